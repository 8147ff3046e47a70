"""The catalogue's index (read by static/js/catalogue.js) and links into the catalogue.

The faceted catalogue filters in the reader's browser. It loads data/catalogue-index.json (facets
and, per record, the title, place, a short snippet and its facet values as numbers) and, only once
the reader types a search, data/catalogue-text.json (each summary's words), so the page itself stays
small however many records there are. Both are built here, from the same records as the exports
(export.py writes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy
from . import frames
from .frames import short_citation
from .render import PageWriter, catalogue_order, page_url, place_label
from .text import plain_summary

NO_FIGURES = "none"  # outcome-kind value of a case study whose sources give no figures
PERIOD_NOT_STATED = "not-stated"
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Facet:
    """A filter of the catalogue (or of the outcomes comparison, compare.py)."""

    key: str  # the name in the page's URL, e.g. cases/index.html?theme=social-prescribing
    label: str
    open: bool = False  # shown expanded: the facets most readers start from


# The catalogue's facets, in the order the page shows them. `facet_values` gives each record's values.
FACETS = [
    Facet("theme", "Theme", open=True),
    Facet("kind", "Outcome kind", open=True),
    Facet("level", "Level"),
    Facet("model", "Model"),
    Facet("country", "Country"),
    Facet("region", "Region of England"),
    Facet("evidence", "Evidence type"),
    Facet("domain", "Outcome domain"),
    Facet("source", "Source document"),
    Facet("period", "Period (when it started)"),
]

CATALOGUE_URL = "../cases/index.html"  # from a chapter page; the catalogue reads its filters from the URL


def catalogue_url(filters: dict[str, str] | None = None) -> str:
    """The catalogue filtered by facet (key -> vocabulary id), e.g. {"level": "place"} -> ...?level=place."""
    keys = {f.key for f in FACETS}  # an unknown key would be ignored by the catalogue
    unknown = sorted(set(filters or {}) - keys)
    if unknown:
        raise ValueError(f"not catalogue facets: {', '.join(unknown)} (see FACETS)")
    return CATALOGUE_URL + (f"?{urlencode(filters)}" if filters else "")


def period_value(record: CaseStudy) -> str:
    """The decade a case study started in (or ended in, when only that is known)."""
    year = record.period.start or record.period.end
    return f"{year // 10 * 10}s" if year else PERIOD_NOT_STATED


def facet_values(record: CaseStudy) -> dict[str, list[str]]:
    """Every facet value of one record (a record can have several themes, models, sources...)."""
    kinds = list(dict.fromkeys(o.kind for o in record.outcomes)) or [NO_FIGURES]
    return {
        "theme": list(record.themes),
        "kind": kinds,
        "level": [record.level],
        "model": list(record.model),
        "country": [record.place.country],
        "region": [record.place.region] if record.place.region else [],
        "evidence": [record.evidence.type],
        "domain": list(dict.fromkeys(o.domain for o in record.outcomes)),
        "source": list(dict.fromkeys(s.key for s in record.sources)),
        "period": [period_value(record)],
    }


def facet_terms(kb: KnowledgeBase, used: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, str]]]:
    """Each facet's values as (id, label), in the order the page lists them."""
    v = kb.vocabularies

    def vocab(name: str, key: str) -> list[tuple[str, str]]:
        listed = [(t.id, t.label) for t in v[name].terms if t.id in used[key]]
        # Values the vocabulary does not know cannot reach here (validation refuses them), but keep any.
        special = {NO_FIGURES, PERIOD_NOT_STATED}
        return listed + [(val, val) for val in sorted(used[key]) if val not in v[name] and val not in special]

    by_count = sorted(used["source"], key=lambda k: (-used["source"][k], short_citation(kb, k).casefold()))
    periods = sorted(p for p in used["period"] if p != PERIOD_NOT_STATED)
    return {
        "theme": vocab("themes", "theme"),
        "kind": vocab("outcome_kinds", "kind") + ([(NO_FIGURES, "No figures given")] if NO_FIGURES in used["kind"] else []),
        "level": vocab("levels", "level"),
        "model": vocab("models", "model"),
        "country": vocab("countries", "country"),
        "region": vocab("regions", "region"),
        "evidence": vocab("evidence_types", "evidence"),
        "domain": vocab("outcome_domains", "domain"),
        "source": [(k, short_citation(kb, k)) for k in by_count],
        "period": [(p, p) for p in periods] + ([(PERIOD_NOT_STATED, "Not stated")] if PERIOD_NOT_STATED in used["period"] else []),
    }


def catalogue_index(kb: KnowledgeBase, base_url: str = "") -> tuple[dict[str, Any], list[str]]:
    """The compact index the catalogue page filters, and the summaries' words for its text search.

    Each record is [id, title, place, snippet, facet value numbers...]: one list per facet, holding
    positions in that facet's `values`. A record's page is `url` with {id} replaced, relative to the
    site root (the parent of data/). Records are A to Z by title; `order` holds, record by record, the
    other orders' keys (the evidence type's rank, 1 the strongest; the year it started, or ended when
    only that is known, null when neither is), and `periods` each record's period as its page says it (empty when not stated).
    """
    records = catalogue_order(kb)
    writer = PageWriter(kb)
    values = {r.id: facet_values(r) for r in records}
    used: dict[str, dict[str, int]] = {f.key: {} for f in FACETS}
    for record_values in values.values():
        for key, vals in record_values.items():
            for val in vals:
                used[key][val] = used[key].get(val, 0) + 1
    terms = facet_terms(kb, used)
    position = {key: {term_id: i for i, (term_id, _) in enumerate(terms[key])} for key in terms}
    index = {
        "count": len(records),
        "url": page_url("{id}", base_url),
        "facets": [
            {"key": f.key, "label": f.label, "open": f.open, "values": [list(t) for t in terms[f.key]]} for f in FACETS
        ],
        "records": [
            [
                r.id,
                r.title,
                place_label(kb, r),
                plain_summary(r.summary, SNIPPET_CHARS),
                *([position[f.key][val] for val in values[r.id][f.key]] for f in FACETS),
            ]
            for r in records
        ],
        "order": {
            "evidence": [frames.evidence_rank(kb, r.evidence.type) for r in records],
            "period": [r.period.start or r.period.end for r in records],
        },
        "periods": [writer.period_text(r) if r.period.start or r.period.end else "" for r in records],
    }
    search_text = [" ".join(dict.fromkeys(plain_summary(r.summary, 10**9).casefold().split())) for r in records]
    return index, search_text
