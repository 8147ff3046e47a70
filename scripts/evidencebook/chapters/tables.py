"""Data frames and HTML tables over the knowledge base, for the chapters.

Tables are built as HTML with every cell escaped, and case studies linked to their pages.
"""

from __future__ import annotations

import pandas as pd

from ..publish.catalogue import catalogue_url
from ..publish.frames import chapter_case_url
from ..publish.html import plural, render
from ..publish.text import Markup, escape
from ..records.inputs import DeclaredKnowledgeBase
from ..records.kb import KnowledgeBase, find_root, load_validated

CASES_URL = "../cases/"  # from a chapter page in chapters/ to the generated case pages

# Scale policy for listings. A chapter lists every row of a table while there are at most LISTING_LIMIT
# (a 1,000-row table is ~0.5 MB of HTML; beyond that pages grow without bound); above it the table gives
# way to the true total, counts by a grouping, and links to the filtered catalogue and the full export.
# Lists of names inside cells or items (a gap-map cell, a region, a cited work) are shown in full while
# the page names at most LISTING_LIMIT case studies in all; above that each cell names at most
# NAMES_PER_CELL, fewer when the page has many cells, then "and N more" (see names_per_cell).
LISTING_LIMIT = 1000
NAMES_PER_CELL = 12
# The exports written into the built site (export.py), from a chapter page.
OUTCOMES_EXPORT = "../data/outcomes.csv"
CASES_EXPORT = "../data/case-studies.csv"


def knowledge_base() -> KnowledgeBase:
    """The book's knowledge base, for a chapter; fails loudly on invalid records, and on reading a part
    the chapter did not declare (records/inputs.py)."""
    kb = load_validated(find_root())
    if kb.problems:
        raise ValueError("invalid records:\n" + "\n".join(map(str, kb.problems)))
    return DeclaredKnowledgeBase(kb)  # type: ignore[return-value]  (a view with the same attributes)


def counts_by(frame: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    """Case studies per value of a (possibly list-valued) column, zero counts kept when `order` is given."""
    exploded = frame.explode(column) if frame[column].map(lambda x: isinstance(x, list)).any() else frame
    counts = exploded.groupby(column).size().rename("case studies")
    if order is not None:
        counts = counts.reindex(order, fill_value=0)
    return counts.reset_index().rename(columns={"index": column})


def html_table(frame: pd.DataFrame, columns: dict[str, str], link: tuple[str, str] | None = None, caption: str = "") -> Markup:
    """An escaped HTML table. `columns` maps frame columns to headings; `link` = (text column, id column):
    that column's text links to the case study named by the id column."""
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for col in columns:
            text = "" if pd.isna(row[col]) else str(row[col])
            href = chapter_case_url(str(row[link[1]])) if link and col == link[0] else None
            cells.append({"text": text, "href": href})
        rows.append(cells)
    return render("table.html", classes="kb-table", caption=caption, headings=list(columns.values()), rows=rows)


def _noun(n: int, noun: str) -> str:
    return plural(n, "case study", "case studies") if noun == "case studies" else plural(n, noun.rstrip("s"), noun)


def counts_html(rows: list[tuple[str, int, int | None, str]], heading: str, noun: str, caption: str) -> Markup:
    """A table of (label, count, case studies or None, catalogue href): one row per group of a listing
    too long to show, each linked to the catalogue filtered to it."""
    with_cases = any(cases is not None for _, _, cases, _ in rows) and noun != "case studies"
    headings = [heading, noun.capitalize(), *(["Case studies"] if with_cases else [])]
    cells = []
    for label, count, cases, href in rows:
        row = [{"text": label, "href": href}, {"text": f"{count:,}", "href": None}]
        if with_cases:
            row.append({"text": "" if cases is None else f"{cases:,}", "href": None})
        cells.append(row)
    return render("table.html", classes="kb-table kb-counts", caption=caption, headings=headings, rows=cells)


def too_many_html(
    total: int, noun: str, rows: list[tuple[str, int, int | None, str]], heading: str, catalogue: str, export: str
) -> Markup:
    """Stands in for a listing above LISTING_LIMIT rows: the true total, counts by a grouping (each linked to
    the filtered catalogue), and links to the catalogue and the full export. Never a silent cut."""
    return render(
        "too_many.html",
        total=_noun(total, noun),
        by=heading.lower(),
        catalogue=catalogue,
        export=export,
        export_name=export.rsplit("/", 1)[-1],
        table=counts_html(rows, heading, noun, f"{_noun(total, noun)} by {heading.lower()}"),
    )


def listing_html(
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    link: tuple[str, str] | None = None,
    caption: str = "",
    noun: str,
    by: tuple[str, str, str, str],
    export: str,
    limit: int = LISTING_LIMIT,
) -> str:
    """`html_table` while the frame has at most `limit` rows, else `too_many_html` grouped by
    `by` = (label column, id column, catalogue facet key, heading)."""
    if len(frame) <= limit:
        return html_table(frame, columns, link=link, caption=caption)
    label, id_column, facet, heading = by
    rows = []
    for (value_label, value_id), group in frame.groupby([label, id_column], sort=False):
        cases = group["case_id"].nunique() if "case_id" in group else None
        rows.append((str(value_label), len(group), cases, catalogue_url({facet: value_id})))
    return too_many_html(len(frame), noun, rows, heading, catalogue_url(), export)


def names_per_cell(sizes: list[int], limit: int = LISTING_LIMIT) -> int | None:
    """How many names each cell of a page may show: None (all) while the cells' `sizes` add up to at most
    `limit`, else NAMES_PER_CELL, or fewer so the page names about `limit` in all (at least one a cell)."""
    filled = sum(1 for n in sizes if n)
    if sum(sizes) <= limit:
        return None
    return max(1, min(NAMES_PER_CELL, limit // max(filled, 1)))


def more_link(count: int, href: str | None = None, note: str = "") -> Markup:
    """'and 1,234 more', linked to `href` (the filtered catalogue) when there is one, then `note`."""
    return render("more.html", count=count, href=href, note=note)


def names_html(
    links: list[str], total: int | None = None, more_href: str | None = None, more_text: str = "", cap: int | None = NAMES_PER_CELL
) -> list[str]:
    """At most `cap` of `links` (already HTML; None: all), then an "and N more" item linking to `more_href`."""
    total = len(links) if total is None else total
    shown = links if cap is None else links[:cap]
    if total > len(shown):
        shown.append(more_link(total - len(shown), more_href, more_text))
    return shown


class HTML:
    """Display HTML in a notebook without importing IPython in the library. Only Markup (HTML built
    with Markup(...).format, which escapes every value) is shown as HTML; plain text is escaped."""

    def __init__(self, text: Markup | str):
        self.text = escape(text)

    def _repr_html_(self) -> str:
        return self.text
