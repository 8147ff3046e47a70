"""The outcomes chapter (and the outcome charts of evidence strength): every outcome with its kind beside it.

Outcomes are never compared or ranked across case studies: these frames count them, list them and keep
their kind (measured, reported change, modelled estimate, target, context) beside every figure.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.frames import outcomes_with_cases
from ..publish.html import plural, render
from ..publish.text import Markup
from ..records.kb import KnowledgeBase
from .charts import (
    MARKS_PER_CHART,
    SOURCE,
    catalogue_url,
    facet_filter,
    figure,
    kind_colours,
    link_to_catalogue,
    marks_sentence,
)
from .tables import LISTING_LIMIT, OUTCOMES_EXPORT, html_table, too_many_html

OUTCOME_COLUMNS = {
    "domain": "Domain",
    "case": "Case study",
    "metric": "Measure",
    "figure": "Figure",
    "comparison": "Compared with",
    "period": "Period",
    "source": "Source",
}


def outcome_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per outcome, with its kind and domain and its case study's evidence, level and models."""
    return outcomes_with_cases(kb)


def _exploded(outcomes: pd.DataFrame, group: str) -> pd.DataFrame:
    """A list-valued `group` (models) as one row per value, so an outcome counts once under each."""
    return outcomes.explode(group) if len(outcomes) and isinstance(outcomes[group].iloc[0], list) else outcomes


def outcome_marks(outcomes: pd.DataFrame, group: str) -> pd.DataFrame:
    """One row per (group value, kind, case study): how many of that case's outcomes fall there.

    Each row is one mark of a stacked bar chart, so every mark belongs to one case study and links to it.
    """
    keys = list(dict.fromkeys([group, "kind", "kind_id", "case", "url"]))
    marks = _exploded(outcomes, group).groupby(keys, sort=False).size().rename("outcomes").reset_index()
    return marks.sort_values([group, "kind_id", "case"], kind="stable").reset_index(drop=True)


def grouped_outcome_marks(kb: KnowledgeBase, outcomes: pd.DataFrame, group: str) -> pd.DataFrame:
    """One row per (group value, kind): its outcomes and case studies, linked to the catalogue filtered to
    both. The marks of a chart with too many case studies to draw one by one (MARKS_PER_CHART)."""
    keys = list(dict.fromkeys([group, "kind", "kind_id"]))
    marks = (
        _exploded(outcomes, group)
        .groupby(keys, sort=False)
        .agg(outcomes=("case_id", "size"), **{"case studies": ("case_id", "nunique")})
        .reset_index()
    )
    filters = [facet_filter(kb, {group: g, "kind": k}) for g, k in zip(marks[group], marks["kind"], strict=True)]
    link_to_catalogue(kb, marks, filters)
    return marks.sort_values([group, "kind_id"], kind="stable").reset_index(drop=True)


def kind_summary(kb: KnowledgeBase, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per outcome kind, in vocabulary order: its definition, outcomes and case studies reporting one."""
    rows = []
    for term in kb.vocab("outcome_kinds").terms:
        of_kind = outcomes[outcomes["kind_id"] == term.id]
        rows.append(
            {
                "kind": term.label,
                "kind_id": term.id,
                "definition": term.definition,
                "outcomes": len(of_kind),
                "case studies": of_kind["case_id"].nunique(),
            }
        )
    return pd.DataFrame(rows)


def outcome_listing(kb: KnowledgeBase, outcomes: pd.DataFrame, kind_id: str) -> pd.DataFrame:
    """The outcomes of one kind, by domain then case study: listed, never ranked by value."""
    domains = kb.vocab("outcome_domains").ids()
    listing = outcomes[outcomes["kind_id"] == kind_id].copy()
    listing["_domain_order"] = listing["domain_id"].map(domains.index)
    listing = listing.sort_values(["_domain_order", "case", "metric"], kind="stable").drop(columns="_domain_order")
    listing["figure"] = [f if not d else f"{f} ({d})" for f, d in zip(listing["figure"], listing["direction"], strict=True)]
    return listing.reset_index(drop=True)


def _kind_counts_by_domain(kb: KnowledgeBase, listing: pd.DataFrame, kind_id: str) -> Markup:
    """Stands in for one kind's table when the book has more than LISTING_LIMIT outcomes."""
    rows = []
    for domain in kb.vocab("outcome_domains").terms:
        in_domain = listing[listing["domain_id"] == domain.id]
        if len(in_domain):
            href = catalogue_url({"kind": kind_id, "domain": domain.id})
            rows.append((domain.label, len(in_domain), in_domain["case_id"].nunique(), href))
    return too_many_html(len(listing), "outcomes", rows, "Outcome domain", catalogue_url({"kind": kind_id}), OUTCOMES_EXPORT)


def outcome_tables_html(kb: KnowledgeBase, outcomes: pd.DataFrame, limit: int = LISTING_LIMIT) -> Markup:
    """One table per outcome kind, each in its own marked section, so no estimate sits among results.
    Above `limit` outcomes in all, each kind's table gives way to its counts by domain and links."""
    blocks = []
    listed = len(outcomes) <= limit
    terms = kb.vocab("outcome_kinds").terms
    for term, colour in zip(terms, kind_colours([t.id for t in terms]), strict=True):
        listing = outcome_listing(kb, outcomes, term.id)
        count = plural(len(listing), "outcome")
        if not len(listing):
            table = None
        elif listed:
            table = html_table(listing, OUTCOME_COLUMNS, link=("case", "case_id"), caption=f"{term.label}: {count}")
        else:
            table = _kind_counts_by_domain(kb, listing, term.id)
        blocks.append({"term": term, "colour": colour, "count": count, "table": table})
    return render("outcome_kinds.html", blocks=blocks)


def kind_chart(kb: KnowledgeBase, outcomes: pd.DataFrame, group: str, title: str, order: list[str], name: str, description: str):
    """A stacked bar chart of outcomes per `group`, coloured by kind. Each segment is one case study,
    linked to its page, unless that needs more than MARKS_PER_CHART segments: then each segment is a
    group's outcomes of one kind, linked to the catalogue filtered to them. The description says which."""
    marks = outcome_marks(outcomes, group)
    per_case = len(marks) <= MARKS_PER_CHART
    if per_case:
        tooltip = [alt.Tooltip("case:N", title="Case study")]
    else:
        marks = grouped_outcome_marks(kb, outcomes, group)
        tooltip = [alt.Tooltip("case studies:Q", title="Case studies"), alt.Tooltip("opens:N", title="Opens")]
    kinds = kb.vocab("outcome_kinds")
    chart = (
        alt.Chart(marks)
        .mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("sum(outcomes):Q", title="Outcomes", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(f"{group}:N", sort=order, title=title, scale=alt.Scale(domain=order)),
            color=alt.Color(
                "kind:N",
                title="Kind of figure",
                scale=alt.Scale(domain=[t.label for t in kinds.terms], range=kind_colours([t.id for t in kinds.terms])),
            ),
            order=alt.Order("kind_id:N"),
            href=alt.Href("url:N"),
            tooltip=[
                *tooltip[:1],
                alt.Tooltip(f"{group}:N", title=title),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("outcomes:Q", title="Outcomes"),
                *tooltip[1:],
            ],
        )
        .properties(width=480)
    )
    description = f"{description} {marks_sentence(per_case)}"
    return figure(chart, data=marks, name=name, description=description, source=SOURCE)
