"""The evidence-strength chapter: case studies and outcomes by the evidence type behind them, strongest first."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.frames import case_frame, evidence_rank
from ..publish.html import plural, render
from ..publish.text import Markup
from ..records.kb import KnowledgeBase
from .charts import (
    MARKS_PER_CHART,
    SOURCE,
    evidence_colour,
    facet_filter,
    figure,
    link_to_catalogue,
    marks_sentence,
)
from .outcomes import outcome_frame
from .tables import CASES_EXPORT, LISTING_LIMIT, listing_html

STRONGEST_COLUMNS = {
    "case": "Case study",
    "evidence": "Evidence",
    "place": "Place",
    "appraisal": "What the evidence can show",
}
# The weakest design that still compares the people or places reached with others.
COMPARISON = "controlled-comparison"


def evidence_profile(kb: KnowledgeBase) -> pd.DataFrame:
    """Per evidence type, strongest first: its definition, the case studies resting on it and their outcomes by kind."""
    cases = case_frame(kb)
    outcomes = outcome_frame(kb)
    kinds = kb.vocab("outcome_kinds").terms
    total = len(cases)
    rows = []
    for term in kb.vocab("evidence_types").ranked():
        n = int((cases["evidence_id"] == term.id).sum())
        of_type = outcomes[outcomes["evidence_id"] == term.id]
        rows.append(
            {
                "rank": term.rank,
                "evidence type": term.label,
                "evidence_id": term.id,
                "definition": term.definition,
                "case studies": n,
                "share of case studies": f"{100 * n / total:.0f}%" if total else "–",
                "outcomes": len(of_type),
                **{kind.label: int((of_type["kind_id"] == kind.id).sum()) for kind in kinds},
            }
        )
    return pd.DataFrame(rows)


def evidence_chart(kb: KnowledgeBase):
    """Case studies by evidence type, strongest first; each segment is one case study, linked to its page
    (above MARKS_PER_CHART case studies, one bar per type, linked to the catalogue filtered to it)."""
    cases = case_frame(kb)
    types = kb.vocab("evidence_types").ranked()
    order = [t.label for t in types]
    per_case = len(cases) <= MARKS_PER_CHART
    if per_case:
        data = cases.assign(**{"case studies": 1})[["evidence", "case", "url", "case studies"]].reset_index(drop=True)
        tooltip = [alt.Tooltip("case:N", title="Case study"), alt.Tooltip("evidence:N", title="Evidence")]
    else:
        data = cases.groupby("evidence", sort=False).size().rename("case studies").reset_index()
        filters = [facet_filter(kb, {"evidence": e}) for e in data["evidence"]]
        link_to_catalogue(kb, data, filters)
        tooltip = [
            alt.Tooltip("evidence:N", title="Evidence"),
            alt.Tooltip("case studies:Q", title="Case studies"),
            alt.Tooltip("opens:N", title="Opens"),
        ]
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("sum(case studies):Q", title="Case studies", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("evidence:N", title="Evidence type (strongest first)", sort=order, scale=alt.Scale(domain=order)),
            color=alt.Color("evidence:N", legend=None, scale=alt.Scale(domain=order, range=[evidence_colour(t.id) for t in types])),
            href=alt.Href("url:N"),
            tooltip=tooltip,
        )
        .properties(width=480)
    )
    counts = "; ".join(f"{label} {int((cases['evidence'] == label).sum())}" for label in order)
    description = (
        f"Bar chart of the {plural(len(cases), 'case study', 'case studies')} by the strongest evidence their sources report, strongest first: "
        f"{counts}. {marks_sentence(per_case, 'case study')}"
    )
    return figure(chart, data=data, name="case-studies-by-evidence-type", description=description, source=SOURCE)


def strength_summary(kb: KnowledgeBase) -> dict[str, int]:
    """The headline counts for the evidence-strength chapter."""
    cases = case_frame(kb)
    outcomes = outcome_frame(kb)
    comparison_rank = evidence_rank(kb, COMPARISON)
    measured = outcomes[outcomes["kind_id"] == "measured"]
    return {
        "cases": len(cases),
        "with_comparison": int((cases["evidence_rank"] <= comparison_rank).sum()),
        "descriptive": int((cases["evidence_id"] == "descriptive").sum()),
        "modelled": int((cases["evidence_id"] == "modelled-estimate").sum()),
        "without_outcomes": int((cases["outcomes"] == 0).sum()),
        "outcomes": len(outcomes),
        "measured": len(measured),
        "reported": int((outcomes["kind_id"] == "reported-change").sum()),
        "measured_with_comparison": int((measured["evidence_rank"] <= comparison_rank).sum()),
    }


def share(part: int, whole: int, singular: str, plural_form: str) -> str:
    """'3 of the 40 case studies (8%)'."""
    percent = f" ({100 * part / whole:.0f}%)" if whole else ""
    return f"{part} of the {plural(whole, singular, plural_form)}{percent}"


def strength_summary_html(kb: KnowledgeBase) -> Markup:
    """The chapter's headline list: how much of the book rests on a comparison, a model or a description."""
    s = strength_summary(kb)
    return render(
        "strength_summary.html",
        with_comparison=share(s["with_comparison"], s["cases"], "case study", "case studies"),
        descriptive=s["descriptive"],
        modelled=s["modelled"],
        without_outcomes=share(s["without_outcomes"], s["cases"], "case study", "case studies"),
        measured=share(s["measured"], s["outcomes"], "outcome", "outcomes"),
        reported=s["reported"],
        measured_with_comparison=share(s["measured_with_comparison"], s["measured"], "measured result", "measured results"),
    )


def strongest_cases(kb: KnowledgeBase, worst_rank: int | None = None) -> pd.DataFrame:
    """Case studies whose evidence is a comparison or stronger (rank <= controlled comparison), with the appraisal."""
    if worst_rank is None:
        worst_rank = evidence_rank(kb, COMPARISON)
    cases = case_frame(kb)
    strong = cases[cases["evidence_rank"] <= worst_rank]
    return strong.sort_values(["evidence_rank", "case"], kind="stable").reset_index(drop=True)


def strongest_cases_html(kb: KnowledgeBase, strong: pd.DataFrame, limit: int = LISTING_LIMIT) -> Markup:
    """The strongest case studies as a table, or above `limit` their counts by evidence type and links."""
    return listing_html(
        strong,
        STRONGEST_COLUMNS,
        link=("case", "case_id"),
        caption=f"{plural(len(strong), 'case study', 'case studies')} with a comparison group or trial",
        noun="case studies",
        by=("evidence", "evidence_id", "evidence", "Evidence type"),
        export=CASES_EXPORT,
        limit=limit,
    )
