"""The one tabular model of the knowledge base: a row per case study and a row per outcome.

Chapters, exports and the catalogue read these rows instead of walking the records themselves, so a
case study's place, level or evidence has one label everywhere. Each row carries ids (for joins,
filters and colours) beside labels (for readers). A case study's key is `case_id`; an outcome's key is
(`case_id`, `outcome`), its position in its record counted from 1. Tables are joined on those keys,
never on row order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..records.datasets import SCALE_FACTORS
from ..records.kb import KnowledgeBase
from .citations import short_citation
from .render import case_docname
from .text import format_figure

CASE_COLUMNS = [
    *("case_id", "case", "url", "place", "country_id", "country", "region_id", "region", "level_id", "level", "status_id", "status"),
    *("evidence_id", "evidence", "evidence_rank", "appraisal", "model_ids", "models", "theme_ids", "themes", "outcomes"),
]
OUTCOME_COLUMNS = [
    *("case_id", "outcome", "metric", "figure", "direction", "kind_id", "kind", "domain_id", "domain"),
    *("comparison", "period", "source_key", "source_locator", "source", "source_short", "unit", "amount"),
]
OUTCOME_KEY = ["case_id", "outcome"]


def chapter_case_url(case_id: str) -> str:
    """A case study's page from a chapter page (chapters/ and cases/ are sibling folders)."""
    return f"../{case_docname(case_id)}.html"


def case_rows(kb: KnowledgeBase) -> Iterator[dict]:
    """One dict per case study, in record order: ids and labels of its place, level, evidence, models and themes."""
    v = kb.vocabularies
    for r in kb.records.values():
        yield {
            "case_id": r.id,
            "case": r.title,
            "url": chapter_case_url(r.id),
            "place": r.place.name,
            "country_id": r.place.country,
            "country": v["countries"].label(r.place.country),
            "region_id": r.place.region,
            "region": v["regions"].label(r.place.region) if r.place.region else None,
            "level_id": r.level,
            "level": v["levels"].label(r.level),
            "status_id": r.status,
            "status": v["statuses"].label(r.status),
            "evidence_id": r.evidence.type,
            "evidence": v["evidence_types"].label(r.evidence.type),
            "evidence_rank": evidence_rank(kb, r.evidence.type),
            "appraisal": r.evidence.appraisal,
            "model_ids": list(r.model),
            "models": [v["models"].label(m) for m in r.model],
            "theme_ids": list(r.themes),
            "themes": [v["themes"].label(t) for t in r.themes],
            "outcomes": len(r.outcomes),
        }


def outcome_rows(kb: KnowledgeBase) -> Iterator[dict]:
    """One dict per outcome, in record order, keyed by (case_id, outcome): its figure as text, kind, domain and source."""
    v = kb.vocabularies
    for r in kb.records.values():
        for number, o in enumerate(r.outcomes, 1):
            source = o.source or r.sources[0]
            yield {
                "case_id": r.id,
                "outcome": number,
                "metric": o.metric,
                "figure": format_figure(o.value, o.value_max, o.unit, o.scale, o.qualifier) or "no figure",
                "direction": o.direction or "",
                "kind_id": o.kind,
                "kind": v["outcome_kinds"].label(o.kind),
                "domain_id": o.domain,
                "domain": v["outcome_domains"].label(o.domain),
                "comparison": o.comparison or "",
                "period": o.period or "",
                "source_key": source.key,
                "source_locator": source.locator,
                "source": f"{kb.bibliography.citation_text(source.key)} — {source.locator}",
                "source_short": short_citation(kb, source.key),
                # The number in the unit alone (2.5 million -> 2,500,000), so figures of one unit can be
                # set side by side; None without a figure. A range counts by its lower end, as stated.
                "unit": o.unit or "",
                "amount": None if o.value is None else o.value * SCALE_FACTORS[o.scale],
            }


def evidence_rank(kb: KnowledgeBase, evidence_type: str) -> int:
    """An evidence type's rank, 1 the strongest (every evidence type has one: vocab.term_problems)."""
    return kb.vocab("evidence_types").by_id[evidence_type].rank


def case_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """The case studies as a frame with CASE_COLUMNS (columns kept when there are none)."""
    return pd.DataFrame(list(case_rows(kb)), columns=CASE_COLUMNS)


def outcome_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """The outcomes as a frame with OUTCOME_COLUMNS (columns kept when there are none)."""
    return pd.DataFrame(list(outcome_rows(kb)), columns=OUTCOME_COLUMNS)


def join_cases(outcomes: pd.DataFrame, cases: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Each outcome with its case study's `columns` (default: all), joined on case_id: the outcomes keep
    their order, and an outcome whose case study is missing (or repeated) is an error, not a silent shift."""
    missing = sorted(set(outcomes["case_id"]) - set(cases["case_id"]))
    if missing:
        raise ValueError(f"outcomes of case studies not in the case frame: {', '.join(missing)}")
    columns = [c for c in (columns or cases.columns) if c != "case_id" and c not in outcomes.columns]
    return outcomes.merge(cases[["case_id", *columns]], on="case_id", how="left", validate="many_to_one")


def outcomes_with_cases(kb: KnowledgeBase) -> pd.DataFrame:
    """Every outcome with its case study's title, page, place, level, evidence and models."""
    per_case = [c for c in CASE_COLUMNS if c not in ("outcomes", "theme_ids", "themes")]
    return join_cases(outcome_frame(kb), case_frame(kb), per_case)
