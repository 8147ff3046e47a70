"""The outcomes of one case study, on its page: a table on wide screens, one card per outcome on a phone.

The HTML comes from templates/case_outcomes.html. Each cell carries its column's name, which a card shows
beside the value (static/css/evidencebook.css). A row names its source briefly, as the comparison view
does (citations.short_citation), and opens the full reference under it.
"""

from __future__ import annotations

from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy
from .citations import short_citation
from .html import render
from .text import format_figure, raw_html_block, shown_text

# The table's columns, as headings; each cell, and each field of a card, is labelled with one. An
# outcome's note, when it has one, is a row of its own under its values.
COLUMNS = ["Measure", "Figure", "Kind", "Compared with", "Period", "Source"]


def outcome_rows(kb: KnowledgeBase, record: CaseStudy) -> list[dict]:
    """Each outcome of `record` as the table shows it, in the record's order."""
    kinds = kb.vocab("outcome_kinds")
    rows = []
    for outcome in record.outcomes:
        source = outcome.source or record.sources[0]
        figure = format_figure(outcome.value, outcome.value_max, outcome.unit, outcome.scale, outcome.qualifier)
        rows.append(
            {
                "measure": shown_text(outcome.metric),
                "figure": shown_text(figure) if figure else "",
                "direction": shown_text(outcome.direction or ""),
                "kind_id": outcome.kind,
                "kind": kinds.label(outcome.kind),
                "comparison": shown_text(outcome.comparison or "—"),
                "period": shown_text(outcome.period or "—"),
                "source": short_citation(kb, source.key),
                "locator": shown_text(source.locator),
                "citation": kb.bibliography.citation_text(source.key),
                "note": shown_text(outcome.note or ""),
            }
        )
    return rows


def outcomes_block(kb: KnowledgeBase, record: CaseStudy) -> str:
    """The outcomes table of a case page, as a MyST raw-HTML block."""
    html = render(
        "case_outcomes.html",
        caption=f"Outcomes of {shown_text(record.title)}",
        headings=COLUMNS,
        rows=outcome_rows(kb, record),
    )
    return raw_html_block(html)
