"""Data frames and HTML tables over the knowledge base, for the chapters.

Tables are built as HTML with every cell escaped, and case studies linked to their pages.
"""

from __future__ import annotations

import html

import pandas as pd

from .kb import KnowledgeBase, find_root, load_validated
from .text import format_figure

CASES_URL = "../cases/"  # from a chapter page in chapters/ to the generated case pages


def knowledge_base() -> KnowledgeBase:
    """The book's knowledge base, for a chapter; fails loudly on invalid records."""
    kb = load_validated(find_root())
    if kb.problems:
        raise ValueError("invalid records:\n" + "\n".join(map(str, kb.problems)))
    return kb


def cases_frame(kb: KnowledgeBase) -> pd.DataFrame:
    v = kb.vocabularies
    rows = []
    for r in kb.records.values():
        rows.append(
            {
                "id": r.id,
                "title": r.title,
                "place": r.place.name,
                "country": v["countries"].label(r.place.country),
                "region": v["regions"].label(r.place.region) if r.place.region else None,
                "level": v["levels"].label(r.level),
                "models": [v["models"].label(m) for m in r.model],
                "themes": [v["themes"].label(t) for t in r.themes],
                "evidence": v["evidence_types"].label(r.evidence.type),
                "outcomes": len(r.outcomes),
            }
        )
    return pd.DataFrame(rows)


def outcomes_frame(kb: KnowledgeBase) -> pd.DataFrame:
    v = kb.vocabularies
    rows = []
    for r in kb.records.values():
        for o in r.outcomes:
            source = o.source or r.sources[0]
            rows.append(
                {
                    "case_id": r.id,
                    "case": r.title,
                    "metric": o.metric,
                    "figure": format_figure(o.value, o.value_max, o.unit, o.scale, o.qualifier) or "no figure",
                    "kind": v["outcome_kinds"].label(o.kind),
                    "kind_id": o.kind,
                    "domain": v["outcome_domains"].label(o.domain),
                    "comparison": o.comparison or "",
                    "period": o.period or "",
                    "source": f"{kb.bibliography.citation_text(source.key)} — {source.locator}",
                }
            )
    return pd.DataFrame(rows)


def counts_by(frame: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    """Case studies per value of a (possibly list-valued) column, zero counts kept when `order` is given."""
    exploded = frame.explode(column) if frame[column].map(lambda x: isinstance(x, list)).any() else frame
    counts = exploded.groupby(column).size().rename("case studies")
    if order is not None:
        counts = counts.reindex(order, fill_value=0)
    return counts.reset_index().rename(columns={"index": column})


def html_table(frame: pd.DataFrame, columns: dict[str, str], link: tuple[str, str] | None = None, caption: str = "") -> str:
    """An escaped HTML table. `columns` maps frame columns to headings; `link` = (text column, id column)."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in columns.values())
    body = []
    for _, row in frame.iterrows():
        cells = []
        for col in columns:
            text = html.escape("" if pd.isna(row[col]) else str(row[col]))
            if link and col == link[0]:
                text = f'<a href="{CASES_URL}{html.escape(str(row[link[1]]))}.html">{text}</a>'
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="kb-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class HTML:
    """Display raw HTML in a notebook without importing IPython in the library."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text
