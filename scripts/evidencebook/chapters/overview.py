"""The overview chapter's charts: where the case studies work and what they are about (its outcomes are
listed place by place on its own pages: outcome_pages.py)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.html import plural
from ..records.kb import KnowledgeBase
from .charts import Figure, figure
from .tables import counts_by

SOURCE = "the book's case-study records"


def level_order(kb: KnowledgeBase) -> list[str]:
    return [t.label for t in kb.vocab("levels").terms]


def cases_by_level_chart(kb: KnowledgeBase, cases: pd.DataFrame) -> Figure:
    """A bar per level (zero bars kept, in vocabulary order) of how many case studies work there."""
    levels = level_order(kb)
    by_level = counts_by(cases, "level", order=levels)
    chart = (
        alt.Chart(by_level)
        .mark_bar()
        .encode(
            x=alt.X("case studies:Q", title="Case studies", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("level:N", sort=levels, title="Level"),
            tooltip=["level", "case studies"],
        )
    )
    return figure(
        chart,
        data=by_level,
        name="case-studies-by-level",
        description=f"Bar chart of the {plural(len(cases), 'case study', 'case studies')} by the level they work at.",
        source=SOURCE,
    )


def cases_by_theme_chart(kb: KnowledgeBase, cases: pd.DataFrame) -> Figure:
    """Case studies per theme, stacked by level; a case study with several themes counts under each."""
    levels = level_order(kb)
    by_theme_level = cases.explode("themes").groupby(["themes", "level"]).size().rename("case studies").reset_index()
    chart = (
        alt.Chart(by_theme_level)
        .mark_bar()
        .encode(
            x=alt.X("sum(case studies):Q", title="Case studies", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("themes:N", sort="-x", title="Theme"),
            color=alt.Color("level:N", sort=levels, title="Level"),
            tooltip=["themes", "level", "case studies"],
        )
    )
    return figure(
        chart,
        data=by_theme_level,
        name="case-studies-by-theme-and-level",
        description="Stacked bar chart of case studies by theme, coloured by level. A case study with several themes counts once under each.",
        source=SOURCE,
    )
