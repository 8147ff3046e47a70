"""Machine-readable exports of the knowledge base: data/case-studies.json, case-studies.csv, outcomes.csv, lessons.csv,
and the indexes the site's own scripts read (the catalogue's, catalogue.py; the outcomes comparison's, compare.py).

Exports are deterministic (same input, same bytes) and every text cell of the CSV files is
neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..records.datasets import (
    CATALOGUE_INDEX_FILE,
    DATA_SCRIPT_FILES,
    EXPORT_FILES,
    LESSONS_FILE,
    OUTCOMES_INDEX_FILE,
)
from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy
from . import frames
from .catalogue import catalogue_index
from .compare import outcomes_index
from .render import page_url
from .text import csv_text


def number(value: float | None) -> int | float | None:
    """Whole numbers as integers, so 15 stays 15 (not 15.0) in JSON and CSV."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


# A record's citation as the JSON export carries it (sphinx/citing.py: its page's citation).
Cite = Callable[[CaseStudy], dict[str, Any]]


def record_json(kb: KnowledgeBase, record: CaseStudy, base_url: str = "", cite: Cite | None = None) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude_none=True)
    for outcome in data.get("outcomes", []):
        for key in ("value", "value_max"):
            if key in outcome:
                outcome[key] = number(outcome[key])
    for source in data["sources"]:
        source["citation"] = kb.bibliography.citation_text(source["key"])
    data["url"] = page_url(record.id, base_url)
    if cite is not None:
        data["citation"] = cite(record)
    return data


# The header of each CSV export, in order: written even when there are no rows, and described column by
# column in the exports' data package (publish/exportpackage.py), which refuses a column it cannot describe.
CASE_COLUMNS = (
    "id", "title", "url", "place", "region", "country", "level", "period_start", "period_end", "status", "organisations",
    "model", "themes", "evidence_type", "evidence_appraisal", "outcomes", "sources", "related", "summary",
)
OUTCOME_COLUMNS = (
    "case_study_id", "outcome", "metric", "value", "value_max", "qualifier", "scale", "unit", "direction", "kind", "domain",
    "comparison", "period", "note", "source_key", "source_locator",
)
LESSON_COLUMNS = ("case_study_id", "lesson", "type", "factors", "statement", "source_key", "source_locator")
# What joins the values of a list in one CSV cell (organisations, models, themes, sources, related, factors).
LIST_SEPARATOR = "; "


def case_rows(kb: KnowledgeBase, base_url: str = ""):
    """case-studies.csv: the case frame's rows (ids for vocabulary fields, labels for places), with what
    only the export carries from the record."""
    for row in frames.case_rows(kb):
        r = kb.records[row["case_id"]]
        yield {
            "id": row["case_id"],
            "title": row["case"],
            "url": page_url(r.id, base_url),
            "place": row["place"],
            "region": row["region"] or "",
            "country": row["country"],
            "level": row["level_id"],
            "period_start": r.period.start,
            "period_end": r.period.end,
            "status": r.status,
            "organisations": LIST_SEPARATOR.join(r.organisations),
            "model": LIST_SEPARATOR.join(row["model_ids"]),
            "themes": LIST_SEPARATOR.join(row["theme_ids"]),
            "evidence_type": row["evidence_id"],
            "evidence_appraisal": row["appraisal"],
            "outcomes": row["outcomes"],
            "sources": LIST_SEPARATOR.join(f"{s.key} ({s.locator})" for s in r.sources),
            "related": LIST_SEPARATOR.join(r.related),
            "summary": r.summary.strip(),
        }


def outcome_rows(kb: KnowledgeBase):
    """outcomes.csv: the outcome frame's rows, keyed (case study, outcome number), with the record's exact numbers."""
    for row in frames.outcome_rows(kb):
        o = kb.records[row["case_id"]].outcomes[row["outcome"] - 1]
        yield {
            "case_study_id": row["case_id"],
            "outcome": row["outcome"],
            "metric": row["metric"],
            "value": number(o.value),
            "value_max": number(o.value_max),
            "qualifier": o.qualifier,
            "scale": o.scale,
            "unit": o.unit,
            "direction": o.direction,
            "kind": row["kind_id"],
            "domain": row["domain_id"],
            "comparison": o.comparison,
            "period": o.period,
            "note": o.note,
            "source_key": row["source_key"],
            "source_locator": row["source_locator"],
        }


def lesson_rows(kb: KnowledgeBase):
    """lessons.csv: one row per lesson, keyed (case study, lesson number); factors joined by '; '."""
    for record in kb.records.values():
        for n, lesson in enumerate(record.lessons, start=1):
            yield {
                "case_study_id": record.id,
                "lesson": n,
                "type": lesson.type,
                "factors": LIST_SEPARATOR.join(lesson.factors),
                "statement": lesson.statement,
                "source_key": lesson.source.key,
                "source_locator": lesson.source.locator,
            }


def to_csv(rows, columns: tuple[str, ...] = ()) -> str:
    """The rows as CSV; with `columns`, the header is written even when there are no rows."""
    rows = list(rows)
    buffer = io.StringIO()
    if rows or columns:
        writer = csv.DictWriter(buffer, fieldnames=list(columns or rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            if columns and list(row) != list(columns):  # a column added to the rows but not the header, or the other way
                raise ValueError(f"a row has the columns {list(row)}, the header {list(columns)}: make them agree")
            writer.writerow({k: "" if val is None else csv_text(val) for k, val in row.items()})
    return buffer.getvalue()


def export_texts(kb: KnowledgeBase, base_url: str = "", cite: Cite | None = None) -> dict[str, str]:
    """The exports' texts by file name. The downloads (JSON, CSV) give each page's address from
    `base_url`, the site's address, so a downloaded file still leads to the pages; the indexes the
    site's own scripts read give it relative to the site's root, so a copy of the site served from
    anywhere (a preview, the tests) links to itself."""
    payload = {
        "title": "Place-based health and care evidence book: case studies",
        "count": len(kb.records),
        "case_studies": [record_json(kb, r, base_url, cite) for r in kb.records.values()],
    }
    index, search_text = catalogue_index(kb)
    texts = (
        json.dumps(payload, ensure_ascii=False, indent=1) + "\n",
        to_csv(case_rows(kb, base_url), CASE_COLUMNS),
        to_csv(outcome_rows(kb), OUTCOME_COLUMNS),
        compact_json(index),
        compact_json(search_text),
        compact_json(outcomes_index(kb, page_url("{id}"))),
        to_csv(lesson_rows(kb), LESSON_COLUMNS),
    )
    return dict(zip(EXPORT_FILES, texts, strict=True))


def write_exports(kb: KnowledgeBase, out_dir: Path, base_url: str = "", cite: Cite | None = None) -> list[Path]:
    """Write the exports, and each index the site's scripts read also as a script (DATA_SCRIPT_FILES)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = export_texts(kb, base_url, cite)
    texts.update({script: data_script(name, texts[name]) for name, script in DATA_SCRIPT_FILES.items()})
    written = []
    for name, text in texts.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


DATA_SCRIPT_HEAD = "window.kbData=window.kbData||{};window.kbData[{name}]="


def data_script(name: str, json_text: str) -> str:
    """The JSON file `name` as a script that assigns it to window.kbData[name], for a page opened from
    disk, which may load a script but not fetch a file (static/js/kb-dom.js). JSON is a JavaScript
    expression; U+2028 and U+2029, allowed raw in a JSON string, are escaped for older engines."""
    body = json_text.rstrip("\n").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return DATA_SCRIPT_HEAD.replace("{name}", json.dumps(name)) + body + ";\n"


def data_from_script(name: str, script_text: str) -> Any:
    """What data_script(name, ...) assigns, read back (None when the text is not such a script)."""
    head = DATA_SCRIPT_HEAD.replace("{name}", json.dumps(name))
    if not script_text.startswith(head) or not script_text.endswith(";\n"):
        return None
    return json.loads(script_text[len(head) : -2])


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- Nothing lost: the written exports against the records ------------------------------------------


def _same_number(exported: Any, recorded: float | None) -> bool:
    """An exported value equals the record's: the same number, no rounding, no float drift."""
    if recorded is None:
        return exported in (None, "")
    if isinstance(exported, str):
        try:
            exported = float(exported)
        except ValueError:
            return False
    return isinstance(exported, (int, float)) and not isinstance(exported, bool) and float(exported) == float(recorded)


def check_exports(kb: KnowledgeBase, out_dir: Path, base_url: str = "") -> list[str]:
    """Read the exports back from `out_dir` and list every way they differ from the records: a record
    missing or repeated, an outcome row lost, a value or unit changed. Empty when all is well."""
    wanted = list(kb.records)
    problems: list[str] = []

    def same_ids(where: str, ids: list[str]) -> None:
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        missing = sorted(set(wanted) - set(ids))
        unknown = sorted(set(ids) - set(wanted))
        for label, found in (("missing", missing), ("repeated", repeated), ("without a record", unknown)):
            if found:
                problems.append(f"{where}: case studies {label}: {', '.join(found)}")

    def read(name: str) -> str | None:
        path = out_dir / name
        if not path.is_file():
            problems.append(f"{name}: was not written")
            return None
        return path.read_text(encoding="utf-8")

    text = read("case-studies.json")
    if text is not None:
        data = json.loads(text)
        exported = data.get("case_studies", [])
        same_ids("case-studies.json", [c.get("id") for c in exported])
        if data.get("count") != len(wanted):
            problems.append(f"case-studies.json: count is {data.get('count')}, there are {len(wanted)} records")
        for case in exported:
            record = kb.records.get(case.get("id"))
            if record is None:
                continue
            outcomes = case.get("outcomes", [])
            if len(outcomes) != len(record.outcomes):
                problems.append(f"case-studies.json: {record.id} has {len(outcomes)} outcomes, its record {len(record.outcomes)}")
            for i, (out, rec) in enumerate(zip(outcomes, record.outcomes, strict=False)):
                for key in ("value", "value_max"):
                    if not _same_number(out.get(key), getattr(rec, key)):
                        problems.append(f"case-studies.json: {record.id} outcome {i + 1} {key} is {out.get(key)!r}, the record says {getattr(rec, key)!r}")
                if out.get("unit") != rec.unit or out.get("scale") != rec.scale:
                    problems.append(f"case-studies.json: {record.id} outcome {i + 1} unit or scale differs from the record")
    text = read("case-studies.csv")
    if text is not None:
        rows = list(csv.DictReader(io.StringIO(text)))
        same_ids("case-studies.csv", [r["id"] for r in rows])
        for row in rows:
            record = kb.records.get(row["id"])
            if record is not None and row["outcomes"] != str(len(record.outcomes)):
                problems.append(f"case-studies.csv: {record.id} counts {row['outcomes']} outcomes, its record has {len(record.outcomes)}")
    text = read("outcomes.csv")
    if text is not None:
        rows = list(csv.DictReader(io.StringIO(text)))
        by_case: dict[str, list[dict]] = {}
        for row in rows:
            by_case.setdefault(row["case_study_id"], []).append(row)
        unknown = sorted(set(by_case) - set(wanted))
        if unknown:
            problems.append(f"outcomes.csv: rows for case studies without a record: {', '.join(unknown)}")
        for record in kb.records.values():
            found = by_case.get(record.id, [])
            if len(found) != len(record.outcomes):
                problems.append(f"outcomes.csv: {record.id} has {len(found)} rows, its record {len(record.outcomes)} outcomes")
                continue
            for i, (row, rec) in enumerate(zip(found, record.outcomes, strict=True)):
                for key in ("value", "value_max"):
                    if not _same_number(row[key], getattr(rec, key)):
                        problems.append(f"outcomes.csv: {record.id} outcome {i + 1} {key} is {row[key]!r}, the record says {getattr(rec, key)!r}")
                if row["unit"] != (rec.unit or "") or row["scale"] != (rec.scale or ""):
                    problems.append(f"outcomes.csv: {record.id} outcome {i + 1} unit or scale differs from the record")
    text = read(LESSONS_FILE)
    if text is not None:
        counted = Counter(row["case_study_id"] for row in csv.DictReader(io.StringIO(text)))
        for case_id in sorted(set(counted) | {r.id for r in kb.records.values() if r.lessons}):
            record = kb.records.get(case_id)
            if record is None or counted[case_id] != len(record.lessons):
                problems.append(f"{LESSONS_FILE}: {case_id} has {counted[case_id]} rows, its record {len(record.lessons) if record else 'does not exist'}")
    text = read(CATALOGUE_INDEX_FILE)
    if text is not None:
        same_ids(CATALOGUE_INDEX_FILE, [r[0] for r in json.loads(text).get("records", [])])
    for name, script in DATA_SCRIPT_FILES.items():  # the scripts a page opened from disk reads: the same data
        json_text, script_text = read(name), read(script)
        if json_text is not None and script_text is not None and data_from_script(name, script_text) != json.loads(json_text):
            problems.append(f"{script}: does not hold the data of {name}")
    text = read(OUTCOMES_INDEX_FILE)
    if text is not None:  # every outcome once, under its own case study: (case id, outcome number)
        compared = json.loads(text)
        keys = sorted((compared["cases"][o[0]][0], o[-1]) for o in compared.get("outcomes", []))
        if keys != sorted((r.id, n) for r in kb.records.values() for n in range(1, len(r.outcomes) + 1)):
            problems.append(f"{OUTCOMES_INDEX_FILE}: its outcomes are not the records' outcomes, each once")
    return problems
