"""The reading list: key works grouped by topic, each linked to the case studies and chapters citing it.

Which works are listed: every work `data/reading-list.yml` places under a topic (the HEE evidence
brief's key publications, the five source documents) and every work cited by at least
`most_cited_min` case studies, so a work becomes "most cited" as records are added without anyone
editing the list. The page is generated at build time (sphinx/extension.py) because it links to other
pages: case studies by `{case}` role and chapters by `{doc}` role, so the strict build checks every
link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pybtex.database import Entry

from ..publish.catalogue import catalogue_url
from ..publish.html import plural
from ..publish.text import md_escape, md_token, safe_url
from ..records.kb import KnowledgeBase
from ..records.rules.data import source_refs
from .tables import names_html, names_per_cell

READING_LIST_DOC = "chapters/reading-list"
# Generated chapters are not scanned for citations of their own: the reading list would cite itself.
NOT_SCANNED = {READING_LIST_DOC}
# {cite}`a`, {cite:p}`a,b`, {cite:t}`a` ... as MyST writes them.
_CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ChapterRef:
    docname: str
    title: str


@dataclass(frozen=True)
class ReadingEntry:
    key: str
    topic: str
    citation: str  # plain text, formatted by pybtex
    url: str | None
    cases: tuple[str, ...]  # ids of the case studies citing the work, sorted
    chapters: tuple[ChapterRef, ...]


def citing_cases(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Work key -> ids of the case studies citing it anywhere: sources, outcomes' and examples' sources."""
    cited: dict[str, list[str]] = {}
    for case_id, record in kb.records.items():
        for key in sorted({ref.key for _, ref in source_refs(record)}):
            cited.setdefault(key, []).append(case_id)
    return cited


def chapter_citations(root: Path) -> dict[str, list[ChapterRef]]:
    """Work key -> the chapters (chapters/*.md) whose text cites it with a {cite} role."""
    cited: dict[str, list[ChapterRef]] = {}
    for path in sorted((root / "chapters").glob("*.md")):
        docname = f"chapters/{path.stem}"
        if docname in NOT_SCANNED:
            continue
        text = path.read_text(encoding="utf-8")
        title = _TITLE.search(text)
        ref = ChapterRef(docname, title.group(1) if title else path.stem)
        keys = {key.strip() for match in _CITE_ROLE.finditer(text) for key in match.group(1).split(",")}
        for key in sorted(keys):
            cited.setdefault(key, []).append(ref)
    return cited


def formatted_citation(kb: KnowledgeBase, key: str) -> str:
    """The work as one line of text in the bibliography's style, without our curation notes."""
    bib = kb.bibliography
    entry = bib.data.entries[key]
    trimmed = Entry(entry.type, fields={k: v for k, v in entry.fields.items() if k.lower() not in ("note", "url")}, persons=entry.persons)
    try:
        return bib._style.format_entry(key, trimmed).text.render_as("text")
    except Exception:  # the validator already reports entries pybtex cannot format; show the title meanwhile
        return bib.citation_text(key)


def listed_keys(kb: KnowledgeBase, cases_by_work: dict[str, list[str]]) -> dict[str, str]:
    """Key -> topic id for every work on the list (placed works first, then the most cited)."""
    reading = kb.reading_list
    if reading is None:
        return {}
    listed = dict(reading.works)
    for key, cases in sorted(cases_by_work.items()):
        if key not in listed and len(cases) >= reading.most_cited_min:
            listed[key] = reading.most_cited_topic
    return listed


def reading_entries(kb: KnowledgeBase, chapters_by_work: dict[str, list[ChapterRef]]) -> list[ReadingEntry]:
    cases_by_work = citing_cases(kb)
    entries = []
    for key, topic in listed_keys(kb, cases_by_work).items():
        url = kb.bibliography.data.entries[key].fields.get("url")
        entries.append(
            ReadingEntry(
                key=key,
                topic=topic,
                citation=formatted_citation(kb, key),
                url=url if url and safe_url(url) else None,
                cases=tuple(cases_by_work.get(key, ())),
                chapters=tuple(chapters_by_work.get(key, ())),
            )
        )
    return entries


def work_anchor(key: str) -> str:
    """A stable HTML id for a work's entry (citation keys may hold ':' and '.')."""
    return "work-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def _more_cases(entry: ReadingEntry, as_source: set[str]) -> tuple[str | None, str]:
    """Where "and N more" case studies citing a work lead: the catalogue filtered to the work when it is
    some record's source (the catalogue's source facet), else nowhere, saying so."""
    if entry.key in as_source:
        return catalogue_url({"source": entry.key}), " (the catalogue lists those naming it as a source)"
    return None, ", not listed here"


def _entry_lines(entry: ReadingEntry, cap: int | None = None, as_source: frozenset[str] = frozenset()) -> list[str]:
    head = f"- [{md_escape(entry.citation)}]{{#{work_anchor(entry.key)} .reading-citation}} {{cite:p}}`{md_token(entry.key)}`"
    if entry.url:
        head += f" [Read it online](<{entry.url}>)"
    lines = [head, ""]
    if entry.cases:
        noun = "case study" if len(entry.cases) == 1 else "case studies"
        names = [f"{{case}}`{md_token(case_id)}`" for case_id in entry.cases]
        if cap is not None and len(names) > cap:
            href, note = _more_cases(entry, as_source)
            # Inline HTML passes through MyST as is: the catalogue link carries a query, no document has it.
            names = names_html(names, len(names), href, note, cap=cap)
        links = ", ".join(names)
        lines += [f"  [Cited by {len(entry.cases)} {noun}:]{{.reading-label}} {links}.", ""]
    else:
        lines += ["  [No case study cites it yet.]{.reading-label}", ""]
    if entry.chapters:
        links = ", ".join(f"{{doc}}`/{chapter.docname}`" for chapter in entry.chapters)
        lines += [f"  [Cited in:]{{.reading-label}} {links}.", ""]
    return lines


def reading_list_page(kb: KnowledgeBase, chapters_by_work: dict[str, list[ChapterRef]]) -> str:
    """chapters/reading-list.md as MyST: every record or bibliography value escaped."""
    from ..publish.render import GENERATED_MARK

    entries = reading_entries(kb, chapters_by_work)
    reading = kb.reading_list
    lines = [
        GENERATED_MARK.replace("case_studies/", "data/reading-list.yml, references.bib and case_studies/"),
        "",
        "(reading-list)=",
        "# Reading list",
        "",
        "The works to read first on place-based health and care: the five documents this book is built "
        "from, the key publications the Health Education England evidence brief recommends "
        "{cite:p}`hee2019evidencebrief`, and every other work that at least "
        f"{plural(reading.most_cited_min if reading else 2, 'case study', 'case studies')} cite. Under each work are the case "
        "studies and chapters of this book that cite it. The full list of works cited is in the "
        "{doc}`/bibliography`.",
        "",
    ]
    if reading is None:
        return "\n".join(lines + ["The reading list has no topics yet: add data/reading-list.yml.", ""])
    # Above LISTING_LIMIT citing case studies in all, each work names a few and counts the rest.
    cap = names_per_cell([len(e.cases) for e in entries])
    as_source = frozenset(s.key for r in kb.records.values() for s in r.sources) if cap is not None else frozenset()
    for topic in reading.topics:
        in_topic = sorted((e for e in entries if e.topic == topic.id), key=lambda e: e.citation.lower())
        if not in_topic:
            continue
        lines += [f"## {md_escape(topic.title)}", "", md_escape(topic.description), ""]
        for entry in in_topic:
            lines += _entry_lines(entry, cap, as_source)
    return "\n".join(lines).rstrip() + "\n"


def generate_reference_pages(kb: KnowledgeBase) -> list[str]:
    """Write chapters/glossary.md, then chapters/reading-list.md (which lists the glossary's citations
    too); only pages whose text changed are rewritten. Returns the docnames written."""
    from ..publish.glossary import GLOSSARY_DOC, glossary_page
    from ..publish.render import write_if_changed

    changed = []
    if write_if_changed(kb.root / f"{GLOSSARY_DOC}.md", glossary_page(kb)):
        changed.append(GLOSSARY_DOC)
    if write_if_changed(kb.root / f"{READING_LIST_DOC}.md", reading_list_page(kb, chapter_citations(kb.root))):
        changed.append(READING_LIST_DOC)
    return changed
