"""The outcomes, listed on pages of their own: the overview's by place, the outcomes chapter's by domain.

Each chapter keeps a short summary (a generated part it includes: one line per place or domain, with its
counts, linking to the page) and each place or domain has a page (subpages.py) listing its outcomes in
the comparison view's table style. The outcomes chapter's pages keep one table per kind of figure, so an
estimate or a target is never read among results. Rows come from the comparison frame (publish/compare.py:
the one outcome frame joined to the case frame); nothing is ranked by value.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from ..publish.compare import COMPARE_DOC, comparison_frame, place_terms
from ..publish.html import plural, render
from ..publish.text import md_escape, md_token, raw_html_block
from ..records.kb import KnowledgeBase
from .subpages import (
    CASES_URL,
    DATA_URL,
    SITE_ROOT,
    Chunk,
    SubPage,
    chunks,
    continued_name,
    page_name,
    page_steps,
    page_title,
)

# Rows on one page, and pages for one place or domain (in the navigation, so bounded): a page stays well
# under the height a reader will scroll (about 15,000 px at 1,366 px wide; tests/test_page_heights_browser.py).
ROWS_PER_PAGE = 40
MAX_PAGES = 5
OVERVIEW, OUTCOMES = "overview", "outcomes"
# Columns of a listing: (heading, what a cell shows). The outcomes chapter's tables are one per kind, so
# the kind is their heading rather than a column.
PLACE_COLUMNS = ["Measure", "Figure", "Kind", "Compared with", "Period", "Domain", "Case study", "Source"]
DOMAIN_COLUMNS = ["Measure", "Figure", "Compared with", "Period", "Evidence", "Case study", "Source"]


def _figure(row) -> str:
    return f"{row.figure} ({row.direction})" if row.direction else row.figure


def _cell(row, heading: str, sources: dict[str, int]) -> dict:
    """One cell of outcome_rows.html for a row of the comparison frame."""
    if heading == "Kind":
        return {"text": row.kind, "kind_id": row.kind_id}
    if heading == "Case study":
        return {"text": row.case, "href": f"{CASES_URL}{row.case_id}.html", "after": ""}
    if heading == "Source":
        return {"text": row.source_short, "href": f"#kb-source-{sources[row.source_key]}", "after": f", {row.source_locator}"}
    text = {
        "Measure": row.metric,
        "Figure": _figure(row),
        "Compared with": row.comparison or "—",
        "Period": row.period or "—",
        "Domain": row.domain,
        "Evidence": row.evidence,
    }[heading]
    return {"text": text}


def rows_html(rows: pd.DataFrame, headings: list[str], caption: str, sources: dict[str, int], classes: str = ""):
    """A table of outcomes; `sources` numbers the works cited on the page (source key -> number)."""
    body = [[_cell(row, h, sources) for h in headings] for row in rows.itertuples(index=False)]
    return render("outcome_rows.html", caption=caption, headings=headings, rows=body, classes=classes, more="")


def sources_html(kb: KnowledgeBase, rows: pd.DataFrame) -> tuple[dict[str, int], str]:
    """The works the rows cite, numbered in first-use order, and their list for under the tables."""
    numbers = {key: i for i, key in enumerate(dict.fromkeys(rows["source_key"]), 1)}
    works = [{"number": n, "citation": kb.bibliography.citation_text(key)} for key, n in numbers.items()]
    return numbers, render("outcome_sources.html", works=works)


def compare_url(filters: dict[str, str]) -> str:
    """The comparison view filtered, from a chapter's page (chapters/<chapter>/<page>.html)."""
    return f"{SITE_ROOT}{COMPARE_DOC}.html?{urlencode(filters)}"


def more_html(chunk: Chunk, filters: dict[str, str]) -> str:
    """Where every outcome of the group is; says how many these pages leave out, if any."""
    more = f"{chunk.more:,} more {'outcome is' if chunk.more == 1 else 'outcomes are'} not listed on these pages. " if chunk.more else ""
    return render("outcome_more.html", more=more, compare=compare_url(filters), csv=f"{DATA_URL}outcomes.csv")


def _page(chapter: str, name: str, title: str, intro: str, chunk: Chunk, body: list[str], filters: dict[str, str]) -> SubPage:
    lines = [f"# {md_escape(page_title(title, chunk))}", "", intro, ""]
    steps = page_steps(name, chunk)
    lines += [steps, ""] if steps else []
    lines += body
    if chunk.number == chunk.pages:
        lines += [raw_html_block(more_html(chunk, filters)), ""]
    return SubPage(chapter, continued_name(name, chunk.number), "\n".join(lines))


def group_pages(chapter: str, name: str, title: str, intro: str, rows: pd.DataFrame, body, filters: dict[str, str]) -> list[SubPage]:
    """A place's or domain's pages: `body(chunk)` gives the MyST of each page's rows."""
    return [_page(chapter, name, title, intro, chunk, body(chunk), filters) for chunk in chunks(rows, ROWS_PER_PAGE, MAX_PAGES)]


# --- the overview: outcomes by place ----------------------------------------------------------------------


def by_case(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows by case study (A to Z by title), each case study's outcomes in record order."""
    return rows.assign(_title=rows["case"].str.casefold()).sort_values(["_title", "case_id", "outcome"], kind="stable").drop(columns="_title")


def place_groups(kb: KnowledgeBase, table: pd.DataFrame | None = None) -> list[tuple[str, str, str, pd.DataFrame]]:
    """(place id, page name, label, its outcomes) for each place with outcomes: England's regions, then the
    countries (a case study with no region is placed by its country), as the comparison view's place
    filter has them. Each outcome is on one page."""
    table = comparison_frame(kb) if table is None else table
    return [
        (place_id, page_name(place_id, i, "place"), label, by_case(table[table["place_id"] == place_id]))
        for i, (place_id, label) in enumerate(place_terms(kb, set(table["place_id"])), 1)
    ]


def overview_subpages(kb: KnowledgeBase) -> list[SubPage]:
    pages = []
    regions = set(kb.vocab("regions").ids())
    for place_id, name, label, rows in place_groups(kb):
        where = "in this region" if place_id in regions else "placed in this country as a whole (one placed in a region has its region's page)"
        intro = md_escape(
            f"The {plural(len(rows), 'outcome')} that the sources give for the "
            f"{plural(rows['case_id'].nunique(), 'case study', 'case studies')} {where}, case study by case study. "
            "Figures are not comparable across case studies: the kind says whether a figure was measured, modelled, a target or context."
        )

        def body(chunk: Chunk, label=label) -> list[str]:
            numbers, works = sources_html(kb, chunk.rows)
            caption = f"Outcomes: {label}" + (f" (page {chunk.number} of {chunk.pages})" if chunk.pages > 1 else "")
            return [raw_html_block(rows_html(chunk.rows, PLACE_COLUMNS, caption, numbers)), "", raw_html_block(works), ""]

        pages += group_pages(OVERVIEW, name, f"Outcomes: {label}", intro, rows, body, {"place": place_id})
    return pages


def overview_part(kb: KnowledgeBase) -> str:
    """The overview's summary of the outcomes: how many, then a line per place linking to its page."""
    table = comparison_frame(kb)
    total = f"{plural(len(table), 'outcome')} from {plural(table['case_id'].nunique(), 'case study', 'case studies')}"
    lines = [f"**{md_escape(total)}**, listed place by place:", ""]
    for _, name, label, rows in place_groups(kb, table):
        measured = int((rows["kind_id"] == "measured").sum())
        counts = f"{plural(len(rows), 'outcome')} from {plural(rows['case_id'].nunique(), 'case study', 'case studies')}, {measured:,} measured"
        lines.append(f"- [{md_escape(label)}]({OVERVIEW}/{md_token(name)}.md): {md_escape(counts)}")
    return "\n".join(lines).rstrip() + "\n"


# --- the outcomes chapter: outcomes by domain, one table per kind ------------------------------------------


def domain_groups(kb: KnowledgeBase, table: pd.DataFrame | None = None) -> list[tuple[str, str, str, pd.DataFrame]]:
    """(domain id, page name, label, its outcomes by kind then case study) for each domain with outcomes."""
    table = comparison_frame(kb) if table is None else table  # ordered by domain, kind, then case study
    return [
        (term.id, page_name(term.id, i, "domain"), term.label, table[table["domain_id"] == term.id])
        for i, term in enumerate(kb.vocab("outcome_domains").terms, 1)
        if (table["domain_id"] == term.id).any()
    ]


def kind_tables(kb: KnowledgeBase, label: str, chunk: Chunk) -> list[str]:
    """One section per kind on this page: a MyST heading (in the page's contents) and its table."""
    numbers, works = sources_html(kb, chunk.rows)
    lines = []
    for term in kb.vocab("outcome_kinds").terms:
        rows = chunk.rows[chunk.rows["kind_id"] == term.id]
        if not len(rows):
            continue
        count = plural(len(rows), "outcome")
        lines += [
            f"## [{md_escape(term.label)}]{{.outcome-kind .kind-{md_token(term.id)}}} {md_escape(count)}",
            "",
            md_escape(term.definition),
            "",
            raw_html_block(rows_html(rows, DOMAIN_COLUMNS, f"{label}, {term.label.lower()}: {count}", numbers, f"kb-kind-{term.id}")),
            "",
        ]
    return lines + [raw_html_block(works), ""]


def outcomes_subpages(kb: KnowledgeBase) -> list[SubPage]:
    pages = []
    for domain_id, name, label, rows in domain_groups(kb):
        intro = md_escape(
            f"The {plural(len(rows), 'outcome')} in this domain, from {plural(rows['case_id'].nunique(), 'case study', 'case studies')}: "
            "one table for each kind of figure, so that an estimate or a target is never read as a result, then by case study."
        )
        pages += group_pages(OUTCOMES, name, f"Outcome domain: {label}", intro, rows, lambda c, label=label: kind_tables(kb, label, c), {"domain": domain_id})
    return pages


def outcomes_part(kb: KnowledgeBase) -> str:
    """The outcomes chapter's summary of its pages: a line per domain with its counts by kind."""
    table = comparison_frame(kb)
    kinds = kb.vocab("outcome_kinds").terms
    lines = []
    for _, name, label, rows in domain_groups(kb, table):
        by_kind = ", ".join(f"{n:,} {t.label.lower()}" for t in kinds if (n := int((rows["kind_id"] == t.id).sum())))
        counts = f"{plural(len(rows), 'outcome')} ({by_kind}) from {plural(rows['case_id'].nunique(), 'case study', 'case studies')}"
        lines.append(f"- [{md_escape(label)}]({OUTCOMES}/{md_token(name)}.md): {md_escape(counts)}")
    return "\n".join(lines).rstrip() + "\n"
