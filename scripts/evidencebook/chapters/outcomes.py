"""The outcomes chapter's charts and counts (and the outcome charts of evidence strength).

Outcomes are never compared or ranked across case studies: these frames count them and keep their kind
(measured, reported change, modelled estimate, target, context) beside every figure. The outcomes themselves are listed
domain by domain on the chapter's own pages (outcome_pages.py).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.frames import outcomes_with_cases
from ..records.kb import KnowledgeBase
from .charts import (
    MARKS_PER_CHART,
    SOURCE,
    facet_filter,
    figure,
    kind_colours,
    link_to_catalogue,
    marks_sentence,
)


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
