"""Machine-readable exports of the knowledge base: data/case-studies.json, case-studies.csv, outcomes.csv.

Exports are deterministic (same input, same bytes) and every text cell of the CSV files is
neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from .kb import KnowledgeBase
from .render import case_docname
from .schema import CaseStudy

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A cell safe to open in a spreadsheet: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def number(value: float | None) -> int | float | None:
    """Whole numbers as integers, so 15 stays 15 (not 15.0) in JSON and CSV."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def page_url(case_id: str, base_url: str = "") -> str:
    return f"{base_url.rstrip('/')}/{case_docname(case_id)}.html" if base_url else f"{case_docname(case_id)}.html"


def record_json(kb: KnowledgeBase, record: CaseStudy, base_url: str = "") -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude_none=True)
    for outcome in data.get("outcomes", []):
        for key in ("value", "value_max"):
            if key in outcome:
                outcome[key] = number(outcome[key])
    for source in data["sources"]:
        source["citation"] = kb.bibliography.citation_text(source["key"])
    data["url"] = page_url(record.id, base_url)
    return data


def case_rows(kb: KnowledgeBase, base_url: str = ""):
    v = kb.vocabularies
    for r in kb.records.values():
        yield {
            "id": r.id,
            "title": r.title,
            "url": page_url(r.id, base_url),
            "place": r.place.name,
            "region": v["regions"].label(r.place.region) if r.place.region else "",
            "country": v["countries"].label(r.place.country),
            "level": r.level,
            "period_start": r.period.start,
            "period_end": r.period.end,
            "organisations": "; ".join(r.organisations),
            "model": "; ".join(r.model),
            "themes": "; ".join(r.themes),
            "evidence_type": r.evidence.type,
            "evidence_appraisal": r.evidence.appraisal,
            "outcomes": len(r.outcomes),
            "sources": "; ".join(f"{s.key} ({s.locator})" for s in r.sources),
            "related": "; ".join(r.related),
            "summary": r.summary.strip(),
        }


def outcome_rows(kb: KnowledgeBase):
    for r in kb.records.values():
        for i, o in enumerate(r.outcomes, 1):
            source = o.source or r.sources[0]
            yield {
                "case_study_id": r.id,
                "outcome": i,
                "metric": o.metric,
                "value": number(o.value),
                "value_max": number(o.value_max),
                "qualifier": o.qualifier,
                "scale": o.scale,
                "unit": o.unit,
                "direction": o.direction,
                "kind": o.kind,
                "domain": o.domain,
                "comparison": o.comparison,
                "period": o.period,
                "note": o.note,
                "source_key": source.key,
                "source_locator": source.locator,
            }


def to_csv(rows) -> str:
    rows = list(rows)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if val is None else csv_text(val) for k, val in row.items()})
    return buffer.getvalue()


def export_texts(kb: KnowledgeBase, base_url: str = "") -> dict[str, str]:
    payload = {
        "title": "Place-based health and care evidence book: case studies",
        "count": len(kb.records),
        "case_studies": [record_json(kb, r, base_url) for r in kb.records.values()],
    }
    return {
        "case-studies.json": json.dumps(payload, ensure_ascii=False, indent=1) + "\n",
        "case-studies.csv": to_csv(case_rows(kb, base_url)),
        "outcomes.csv": to_csv(outcome_rows(kb)),
    }


def write_exports(kb: KnowledgeBase, out_dir: Path, base_url: str = "") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_texts(kb, base_url).items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
