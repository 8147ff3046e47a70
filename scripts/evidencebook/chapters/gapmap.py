"""The evidence and gap map: themes x outcome domains, each cell the case studies reporting a result there."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.contribute import suggest_case_url
from ..publish.frames import chapter_case_url, evidence_rank
from ..publish.html import plural, render
from ..publish.text import Markup
from ..records.book import Book
from ..records.kb import KnowledgeBase
from .charts import SOURCE, catalogue_url, evidence_colour, figure, labels
from .tables import LISTING_LIMIT, more_link, names_per_cell

# Outcome kinds that say something about an effect, with or without a number; targets and context figures do not.
EFFECT_KINDS = ("measured", "reported-change", "modelled-estimate")


def gap_map(kb: KnowledgeBase, kinds: tuple[str, ...] = EFFECT_KINDS) -> pd.DataFrame:
    """Every theme x outcome domain cell, gaps included: the case studies with a theme reporting an
    outcome of one of `kinds` in the domain, strongest evidence first, and the strongest evidence type."""
    v = kb.vocabularies
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for r in kb.records.values():
        for o in r.outcomes:
            if o.kind in kinds:
                for theme in r.themes:
                    found.setdefault((theme, o.domain), {}).setdefault(r.id, set()).add(o.kind)
    rows = []
    for theme in v["themes"].terms:
        for domain in v["outcome_domains"].terms:
            cases = found.get((theme.id, domain.id), {})
            ordered = sorted(cases, key=lambda c: (evidence_rank(kb, kb.records[c].evidence.type), kb.records[c].title))
            strongest = kb.records[ordered[0]].evidence.type if ordered else ""
            rows.append(
                {
                    "theme_id": theme.id,
                    "theme": theme.label,
                    "domain_id": domain.id,
                    "domain": domain.label,
                    "case_ids": ordered,
                    "case studies": len(ordered),
                    "modelled_only": [c for c in ordered if cases[c] == {"modelled-estimate"}],
                    "strongest_id": strongest,
                    "strongest evidence": v["evidence_types"].label(strongest) if strongest else "",
                    "anchor": f"egm-{theme.id}--{domain.id}",
                }
            )
    return pd.DataFrame(rows)


def _cell(kb: KnowledgeBase, book: Book, theme, domain, cell, cap: int | None) -> dict:
    """What the map's template needs of one cell: its case studies (at most `cap`), their evidence and the rest's link."""
    evidence = kb.vocab("evidence_types")
    count = int(cell["case studies"])
    cases = []
    for case_id in cell["case_ids"][:cap]:
        etype = kb.records[case_id].evidence.type
        cases.append(
            {
                "colour": evidence_colour(etype),
                "evidence": evidence.label(etype),
                "url": chapter_case_url(case_id),
                "title": kb.records[case_id].title,
                "modelled_only": case_id in cell["modelled_only"],
            }
        )
    # The catalogue filters per case study: this theme and any outcome in this domain.
    more = more_link(count - len(cases), catalogue_url({"theme": theme.id, "domain": domain.id})) if count > len(cases) else None
    size = 0.9 + 0.35 * min(count, 10)  # em: bubble area grows with the count, capped
    return {
        "anchor": cell["anchor"],
        "where": f"{theme.label} and {domain.label}",
        "count": count,
        "noun": "case study" if count == 1 else "case studies",
        "colour": evidence_colour(cell["strongest_id"]),
        "size": f"{size:.2f}",
        "strongest": cell["strongest evidence"],
        "cases": cases,
        "more": more,
        # A gap invites the case study that would fill it: the suggestion form, with this theme and domain.
        "suggest": suggest_case_url(book, theme.id, theme.label, domain.label) if not count else "",
    }


def gap_map_html(kb: KnowledgeBase, cells: pd.DataFrame, book: Book, limit: int = LISTING_LIMIT) -> Markup:
    """The gap map as an HTML table: a row per theme, a column per domain; each filled cell lists its
    case studies (linked, marked with their evidence type; above `limit` names in all, the first few,
    then "and N more" linking to the catalogue), each empty cell links to the form suggesting a case
    study, on the repository of `book` (_config.yml), filled in with the cell's theme and domain."""
    cap = names_per_cell(list(cells["case studies"]), limit)
    v = kb.vocabularies
    domains = v["outcome_domains"].terms
    rows = []
    for theme in v["themes"].terms:
        row = cells[cells["theme_id"] == theme.id].set_index("domain_id")
        rows.append({"theme": theme.label, "cells": [_cell(kb, book, theme, d, row.loc[d.id], cap) for d in domains]})
    filled = int((cells["case studies"] > 0).sum())
    caption = (
        f"Evidence and gap map: {plural(len(v['themes'].terms), 'theme')} by {plural(len(domains), 'outcome domain')}. "
        f"{filled} of {plural(len(cells), 'cell')} {'holds' if filled == 1 else 'hold'} at least one case study; open a cell to see them."
    )
    return render("gap_map.html", caption=caption, domains=[d.label for d in domains], rows=rows)


def gap_map_chart(kb: KnowledgeBase, cells: pd.DataFrame):
    """Bubbles over the theme x domain grid: size = case studies, colour = strongest evidence type.
    Each bubble links to its cell of the table, which lists the case studies."""
    filled = cells[cells["case studies"] > 0].copy()
    filled["href"] = "#" + filled["anchor"]
    data = filled[["theme", "domain", "case studies", "strongest evidence", "href"]].reset_index(drop=True)
    types = kb.vocab("evidence_types").ranked()
    domains, themes = labels(kb, "outcome_domains"), labels(kb, "themes")
    chart = (
        alt.Chart(data)
        .mark_circle(opacity=0.9, stroke="#333", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("domain:N", title="Outcome domain", sort=domains, scale=alt.Scale(domain=domains), axis=alt.Axis(labelAngle=-40, grid=True)),
            y=alt.Y("theme:N", title="Theme", sort=themes, scale=alt.Scale(domain=themes), axis=alt.Axis(grid=True)),
            size=alt.Size("case studies:Q", title="Case studies", scale=alt.Scale(zero=False, range=[40, 600]), legend=alt.Legend(tickMinStep=1)),
            color=alt.Color(
                "strongest evidence:N",
                title="Strongest evidence",
                scale=alt.Scale(domain=[t.label for t in types], range=[evidence_colour(t.id) for t in types]),
            ),
            href=alt.Href("href:N"),
            tooltip=["theme", "domain", "case studies", "strongest evidence"],
        )
        .properties(width=420)
    )
    gaps = int((cells["case studies"] == 0).sum())
    description = (
        f"Bubble chart of the evidence and gap map: themes down, outcome domains across; a bubble's size is the number "
        f"of case studies reporting a result there (measured, reported without a figure or modelled) and its colour the strongest evidence type among them. "
        f"{gaps} of {len(cells)} cells are empty."
    )
    return figure(chart, data=data, name="evidence-gap-map", description=description, source=SOURCE)


def gap_totals(kb: KnowledgeBase, cells: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per theme (by="theme") or domain (by="domain"), in vocabulary order: distinct case studies and cells filled."""
    rows = []
    for label, group in cells.groupby(by, sort=False):
        ids = {c for ids in group["case_ids"] for c in ids}
        rows.append(
            {
                by: label,
                "case studies": len(ids),
                "cells with evidence": int((group["case studies"] > 0).sum()),
                "gaps": int((group["case studies"] == 0).sum()),
            }
        )
    return pd.DataFrame(rows)
