"""The outcomes comparison: every outcome of every case study in one table, to read one measure across
places ("what happened to emergency admissions?") without ranking figures that cannot be compared.

- cases/outcomes: the view. static/js/outcomes.js builds its filters and table from
  data/outcomes-index.json (`outcomes_index`, written by export.py), so the page stays a few lines of
  HTML however many outcomes there are.
- cases/outcomes/<domain>: the same rows without JavaScript, one plain table per outcome domain,
  generated at build start like the catalogue's A-Z pages; a domain with more than PAGE_ROWS outcomes
  lists the first PAGE_ROWS and links to data/outcomes.csv, which holds them all.

Rows come from the one outcome frame joined to the case frame by case_id (frames.py). The kind and the
comparison stay beside every figure; the view sorts by figure only among figures of one unit and kind.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..records.datasets import OUTCOMES_INDEX_FILE
from ..records.kb import KnowledgeBase
from ..records.schema import COMPARE_PAGE, ID_PATTERN
from . import frames
from .catalogue import Facet
from .html import plural, render
from .render import CASES_DIR, GENERATED_MARK, sort_title, write_if_changed
from .text import md_escape, md_token, raw_html_block

COMPARE_DOC = f"{CASES_DIR}/{COMPARE_PAGE}"  # the view; its no-JavaScript pages are in the folder of the same name
PAGE_ROWS = 300  # outcomes on one no-JavaScript page; the rest are in data/outcomes.csv
OUTCOMES_CSV = "outcomes.csv"  # under the site's data/ (EXPORT_FILES)
CASE_COLUMNS = ["case", "place", "region_id", "region", "country_id", "country", "evidence_id", "evidence", "evidence_rank", "theme_ids", "themes"]


# The view's filters, in the order it shows them, each named in its address (cases/outcomes.html?domain=
# hospital-use). `case` (one case study) is a filter too, set by the link on each case page, but has no
# menu of its own.
FACETS = [
    Facet("domain", "Outcome domain"),
    Facet("kind", "Kind of figure"),
    Facet("evidence", "Evidence type"),
    Facet("theme", "Theme"),
    Facet("place", "Place"),
]
# The table's columns, as headings; each no-JavaScript cell and each card on a phone is labelled with one.
COLUMNS = ["Measure", "Figure", "Direction", "Kind", "Compared with", "Period", "Domain", "Evidence", "Place", "Case study", "Source"]


def comparison_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """Every outcome with its case study's title, place, evidence and themes (joined on case_id), in the
    view's first order: by domain and kind as the vocabularies list them, then case study A to Z."""
    table = frames.join_cases(frames.outcome_frame(kb), frames.case_frame(kb), CASE_COLUMNS)
    # The place filter: a region of England, or the country for a case study with no region.
    table["place_id"] = [r if isinstance(r, str) else c for r, c in zip(table["region_id"], table["country_id"], strict=True)]
    table["where"] = [
        ", ".join(dict.fromkeys(p for p in (place, region, country) if isinstance(p, str)))
        for place, region, country in zip(table["place"], table["region"], table["country"], strict=True)
    ]
    table["citation"] = table["source_key"].map(kb.bibliography.citation_text)
    domains = {d: i for i, d in enumerate(kb.vocab("outcome_domains").ids())}
    kinds = {k: i for i, k in enumerate(kb.vocab("outcome_kinds").ids())}
    titles = {r.id: sort_title(r) for r in kb.records.values()}
    order = table.assign(
        _domain=table["domain_id"].map(domains), _kind=table["kind_id"].map(kinds), _title=table["case_id"].map(titles)
    ).sort_values(["_domain", "_kind", "_title", "case_id", "outcome"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def place_terms(kb: KnowledgeBase, used: set[str]) -> list[tuple[str, str]]:
    """The place filter's choices: England's regions, then the countries, as the vocabularies order them."""
    v = kb.vocabularies
    regions = [(t.id, t.label) for t in v["regions"].terms if t.id in used]
    countries = [(t.id, t.label) for t in v["countries"].terms if t.id in used]
    return regions + countries


def facet_terms(kb: KnowledgeBase, table: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices as (id, label): the terms some outcome has, in vocabulary order."""
    v = kb.vocabularies

    def used(vocab: str, column: str) -> list[tuple[str, str]]:
        present = set(table[column].explode().dropna())
        return [(t.id, t.label) for t in v[vocab].terms if t.id in present]

    return {
        "domain": used("outcome_domains", "domain_id"),
        "kind": used("outcome_kinds", "kind_id"),
        "evidence": sorted(used("evidence_types", "evidence_id"), key=lambda t: frames.evidence_rank(kb, t[0])),  # strongest first
        "theme": used("themes", "theme_ids"),
        "place": place_terms(kb, set(table["place_id"])),
    }


def _amount(value: Any) -> float | int | None:
    """A figure's number for sorting: None without one; whole numbers as integers (smaller JSON)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def outcomes_index(kb: KnowledgeBase, case_url: str) -> dict[str, Any]:
    """What the view filters, as compact JSON. `case_url` is a case page's address relative to the site
    root, with {id} for the case study's id.

    - cases: [id, title, place, evidence, [themes], place filter value], each a position in its facet
      except the first three;
    - outcomes: [case, measure, figure, direction, kind, domain, compared with, period, source, locator,
      number, unit, outcome], `case`, `source`, `locator` and `unit` positions in their lists, and
      `outcome` the outcome's position in its record (from 1): with the case study's id, its key. `number` is the
      figure in its unit alone (2.5 million is 2500000), null without a figure; figures are comparable
      only within one unit and kind, and the view sorts them only then.
    """
    table = comparison_frame(kb)
    terms = facet_terms(kb, table)
    position = {key: {term_id: i for i, (term_id, _) in enumerate(values)} for key, values in terms.items()}
    case_ids = list(dict.fromkeys(table["case_id"]))
    case_position = {case_id: i for i, case_id in enumerate(case_ids)}
    first = table.drop_duplicates("case_id").set_index("case_id")
    sources = {key: i for i, key in enumerate(dict.fromkeys(table["source_key"]))}
    units = {unit: i for i, unit in enumerate(dict.fromkeys(table["unit"]))}
    locators = {text: i for i, text in enumerate(dict.fromkeys(table["source_locator"]))}  # a case's outcomes often share one
    cite = kb.bibliography.citation_text
    return {
        "count": len(table),
        "url": case_url,
        "facets": [{"key": f.key, "label": f.label, "values": [list(t) for t in terms[f.key]]} for f in FACETS],
        "sources": [[frames.short_citation(kb, key), cite(key)] for key in sources],
        "units": list(units),
        "locators": list(locators),
        "cases": [
            [
                case_id,
                first.at[case_id, "case"],
                first.at[case_id, "where"],
                position["evidence"][first.at[case_id, "evidence_id"]],
                [position["theme"][t] for t in first.at[case_id, "theme_ids"]],
                position["place"][first.at[case_id, "place_id"]],
            ]
            for case_id in case_ids
        ],
        "outcomes": [
            [
                case_position[row.case_id],
                row.metric,
                row.figure,
                row.direction,
                position["kind"][row.kind_id],
                position["domain"][row.domain_id],
                row.comparison,
                row.period,
                sources[row.source_key],
                locators[row.source_locator],
                _amount(row.amount),
                units[row.unit],
                row.outcome,
            ]
            for row in table.itertuples(index=False)
        ],
    }


# --- the pages ----------------------------------------------------------------------------------------


def domain_page_name(term_id: str, number: int) -> str:
    """cases/outcomes/<name>.md for a domain: its id when it is a plain slug, else its position."""
    return term_id if re.fullmatch(ID_PATTERN, term_id) else f"domain-{number}"


@dataclass
class DomainPage:
    name: str
    label: str
    rows: pd.DataFrame

    @property
    def docname(self) -> str:
        return f"{COMPARE_DOC}/{self.name}"


def domain_pages(kb: KnowledgeBase, table: pd.DataFrame | None = None) -> list[DomainPage]:
    table = comparison_frame(kb) if table is None else table
    return [
        DomainPage(domain_page_name(term.id, i), term.label, table[table["domain_id"] == term.id])
        for i, term in enumerate(kb.vocab("outcome_domains").terms, 1)
        if (table["domain_id"] == term.id).any()
    ]


def table_rows(rows: pd.DataFrame, case_href: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows as the table template takes them, and the works they cite (each listed once under the
    table, so a row carries a short source); `case_href` is a case page's address with {id}."""
    sources = {key: i for i, key in enumerate(dict.fromkeys(rows["source_key"]), 1)}
    cited = rows.drop_duplicates("source_key")
    works = [{"number": sources[key], "citation": citation} for key, citation in zip(cited["source_key"], cited["citation"], strict=True)]
    table = [
        {
            "cells": [row.metric, row.figure, row.direction or "—", row.kind, row.comparison or "—", row.period or "—", row.domain, row.evidence, row.where],
            "kind_id": row.kind_id,
            "case": row.case,
            "href": case_href.replace("{id}", row.case_id),
            "source": row.source_short,
            "source_number": sources[row.source_key],
            "locator": row.source_locator,
        }
        for row in rows.itertuples(index=False)
    ]
    return table, works


def comparison_page(kb: KnowledgeBase, pages: list[DomainPage], total: int) -> str:
    cases = sum(1 for r in kb.records.values() if r.outcomes)
    lines = [
        "---",
        "orphan: true",  # in the book's contents, but not in a small test book's
        "html_theme.sidebar_secondary.remove: true",  # the table needs the width; the page has no sections to list
        "---",
        GENERATED_MARK,
        "",
        "(outcomes-comparison)=",
        "# Compare outcomes",
        "",
        f"Every figure the sources give, {plural(total, 'outcome')} from {plural(cases, 'case study', 'case studies')}, in one table: "
        "filter it, or search the measures (“emergency admissions”), and share the page's address to share the view. "
        "Figures are not ranked against each other: the kind and the comparison sit beside each one, and the table "
        "sorts by figure only when every row shown has the same unit and kind.",
        "",
        raw_html_block(render("outcome_compare.html", index_file=OUTCOMES_INDEX_FILE)),
        "",
        "## Every outcome, by domain",
        "",
    ]
    lines += [f"- [{md_escape(p.label)}]({COMPARE_PAGE}/{md_token(p.name)}.md): {md_escape(plural(len(p.rows), 'outcome'))}" for p in pages]
    lines += ["", raw_html_block(render("outcome_compare_downloads.html", csv=f"../data/{OUTCOMES_CSV}")), ""]
    return "\n".join(lines)


def domain_page(page: DomainPage, neighbours: tuple[DomainPage | None, DomainPage | None]) -> str:
    shown = page.rows.iloc[:PAGE_ROWS]
    lines = [
        "---",
        "orphan: true",
        "nosearch: true",  # the same rows are on the case pages, which search finds; the index stays smaller
        "html_theme.sidebar_secondary.remove: true",
        "---",
        GENERATED_MARK,
        "",
        f"# Outcomes: {md_escape(page.label)}",
        "",
        f"Every outcome in this domain, by kind and then case study. The [comparison view](../{COMPARE_PAGE}.md) "
        "filters and sorts all outcomes.",
        "",
    ]
    steps = [f"{word}: [{md_escape(other.label)}]({md_token(other.name)}.md)" for word, other in zip(("Previous", "Next"), neighbours, strict=True) if other]
    lines += [" · ".join(steps), ""] if steps else []
    more = len(page.rows) - len(shown)
    rows, works = table_rows(shown, "../{id}.html")
    html = render(
        "outcome_compare_table.html",
        caption=f"Outcomes: {page.label} ({plural(len(page.rows), 'outcome')})",
        headings=COLUMNS,
        rows=rows,
        works=works,
        more=f"and {more:,} more" if more else "",
        csv=f"../../data/{OUTCOMES_CSV}",
    )
    lines += [raw_html_block(html), ""]
    return "\n".join(lines)


def generate_comparison_pages(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Write cases/outcomes.md and its pages by domain (cases/outcomes/*.md), only what changed;
    remove the pages of domains that no longer have outcomes."""
    table = comparison_frame(kb)
    pages = domain_pages(kb, table)
    changed, removed = [], []
    if write_if_changed(kb.root / f"{COMPARE_DOC}.md", comparison_page(kb, pages, len(table))):
        changed.append(COMPARE_DOC)
    for i, page in enumerate(pages):
        neighbours = (pages[i - 1] if i else None, pages[i + 1] if i + 1 < len(pages) else None)
        if write_if_changed(kb.root / f"{page.docname}.md", domain_page(page, neighbours)):
            changed.append(page.docname)
    wanted = {f"{page.name}.md" for page in pages}
    for path in sorted((kb.root / COMPARE_DOC).glob("*.md")):
        if path.name not in wanted:
            path.unlink()
            removed.append(f"{COMPARE_DOC}/{path.stem}")
    return {"changed": changed, "removed": removed}
