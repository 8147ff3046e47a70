"""The glossary page: every term in data/glossary/ as a Sphinx glossary, so chapters link terms with {term}.

The page is generated at build time (sphinx/extension.py), like the case pages, rather than emitted by a
notebook cell: a Sphinx `glossary` directive in the page source registers each term with Sphinx's
standard domain while the page is read, so `{term}` roles anywhere in the book resolve (or fail the
strict build), with no kernel and no dependence on how notebook outputs are parsed.
Each source's definition is listed with its citation, locator and date; disagreements are marked.
"""

from __future__ import annotations

import re

from ..records.kb import KnowledgeBase
from ..records.reference_schema import GlossaryTerm
from .html import plural, render
from .text import md_escape, md_token, raw_html_block, summary_html

GLOSSARY_DOC = "chapters/glossary"


def term_names(term: GlossaryTerm) -> list[str]:
    """The names a term is linked by: its full name, then its abbreviation if it has one."""
    return [term.term] + ([term.abbreviation] if term.abbreviation and term.abbreviation.lower() != term.term.lower() else [])


def glossary_names(terms: list[GlossaryTerm]) -> dict[str, list[str]]:
    """Term id -> the names it is listed under; an abbreviation two terms share links to neither
    (Sphinx would warn of a duplicate term), so it is left out and the reader sees both full names."""
    counts: dict[str, int] = {}
    for term in terms:
        for name in term_names(term):
            counts[name.lower()] = counts.get(name.lower(), 0) + 1
    return {t.id: [n for i, n in enumerate(term_names(t)) if i == 0 or counts[n.lower()] == 1] for t in terms}


def _indent(lines: list[str], by: str = "   ") -> list[str]:
    return [by + line if line else "" for line in "\n".join(lines).split("\n")]


def role_target(name: str) -> str:
    """A term's name as the target of a {term} role: role text is taken literally, so it is not
    escaped; a backtick or angle bracket would end or redirect the role, and is dropped."""
    return re.sub(r"[`<>]", "", name).strip()


def term_lines(term: GlossaryTerm, names: list[str], by_id: dict[str, GlossaryTerm]) -> list[str]:
    """One glossary entry: its names, then an indented body of definitions, disagreement, see-also."""
    body: list[str] = []
    shared = term.abbreviation and term.abbreviation not in names
    if shared:
        body += [f"Abbreviated {md_escape(term.abbreviation)} (an abbreviation other terms here share).", ""]
    several = len(term.definitions) > 1
    if several:
        body += [f"{len(term.definitions)} sources define it:", ""]
    for definition in term.definitions:
        when = f" (as of {md_escape(definition.as_of)})" if definition.as_of else ""
        cite = f"{{cite:p}}`{md_token(definition.source.key)}`, {md_escape(definition.source.locator)}{when}."
        if several:
            body += [f"- {md_escape(definition.text)} [Source:]{{.glossary-source-label}} {cite}", ""]
        else:
            body += [f"{md_escape(definition.text)} [Source:]{{.glossary-source-label}} {cite}", ""]
    if term.disagreement:
        # The disagreement is contributors' Markdown prose (it italicises document titles): rendered
        # by summary_html, which allows no HTML, images or non-http links, so nothing in it is markup.
        body += [
            raw_html_block(render("glossary_disagreement.html", disagreement=summary_html(term.disagreement))),
            "",
        ]
    related = [by_id[other] for other in term.see_also if other in by_id]
    if related:
        body += ["See also: " + ", ".join(f"{{term}}`{role_target(other.term)}`" for other in related) + ".", ""]
    while body and body[-1] == "":
        body.pop()
    return [md_escape(name) for name in names] + _indent(body) + [""]


def glossary_page(kb: KnowledgeBase) -> str:
    """chapters/glossary.md: every term, sorted, with every definition's source."""
    from .render import GENERATED_MARK

    terms = sorted(kb.glossary, key=lambda t: t.term.lower())
    by_id = {t.id: t for t in terms}
    names = glossary_names(terms)
    with_several = sum(1 for t in terms if len(t.definitions) > 1)
    disagreeing = sum(1 for t in terms if t.disagreement)
    lines = [
        GENERATED_MARK.replace("case_studies/", "data/glossary/"),
        "",
        "(glossary)=",
        "# Glossary",
        "",
        f"The {plural(len(terms), 'term')} the source documents define or rely on, in our own words. Where several "
        f"documents define a term ({plural(with_several, 'term')}), each definition is given with its source, where "
        "in the source it is and the year it held, because terms changed meaning as policy moved on. "
        f"Where documents disagree ({plural(disagreeing, 'term')}), a note marked *Sources disagree* says how.",
        "",
    ]
    entries = [line for term in terms for line in term_lines(term, names[term.id], by_id)]
    # The directive's fence must be longer than any fence inside it (raw HTML blocks), or they would close it.
    fence = "`" * max(4, max((len(m) for m in re.findall(r"`+", "\n".join(entries))), default=0) + 1)
    # The letter bar (glossary.js shows one letter at a time on screen; print and no script show them all).
    lines += [raw_html_block(render("glossary_letters.html")), ""]
    lines += [f"{fence}{{glossary}}", ":sorted:", "", *entries, fence, ""]
    return "\n".join(lines)
