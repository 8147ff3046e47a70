"""Machine-readable exports of the knowledge base: data/case-studies.json, case-studies.csv, outcomes.csv, lessons.csv.

Exports are deterministic (same input, same bytes) and every text cell of the CSV files is
neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..records.datasets import (
    CATALOGUE_INDEX_FILE,
    CATALOGUE_TEXT_FILE,
    DATA_SCRIPT_FILES,
    EXPORT_FILES,
    LESSONS_FILE,
    OUTCOMES_INDEX_FILE,
)
from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy
from . import frames
from .compare import outcomes_index
from .frames import short_citation
from .render import PageWriter, case_docname, catalogue_order, place_label
from .text import csv_text, plain_summary


def number(value: float | None) -> int | float | None:
    """Whole numbers as integers, so 15 stays 15 (not 15.0) in JSON and CSV."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def page_url(case_id: str, base_url: str = "") -> str:
    return f"{base_url.rstrip('/')}/{case_docname(case_id)}.html" if base_url else f"{case_docname(case_id)}.html"


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


# The files write_exports writes into the site's data/ folder, in export_texts' order; the data package
# may not publish a file under one of these names (datacheck refuses it).


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


# --- The catalogue's index (read by static/js/catalogue.js) ----------------------------------------
# The faceted catalogue filters in the reader's browser. It loads data/catalogue-index.json (facets
# and, per record, the title, place, a short snippet and its facet values as numbers) and, only once
# the reader types a search, data/catalogue-text.json (each summary's words), so the page itself stays
# small however many records there are. Both are built here, from the same records as the exports.

CATALOGUE_INDEX = CATALOGUE_INDEX_FILE  # the names other code here uses
CATALOGUE_TEXT = CATALOGUE_TEXT_FILE
NO_FIGURES = "none"  # outcome-kind value of a case study whose sources give no figures
PERIOD_NOT_STATED = "not-stated"
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Facet:
    key: str  # the name in the catalogue's URL, e.g. ?theme=social-prescribing
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
    text = read(CATALOGUE_INDEX)
    if text is not None:
        same_ids(CATALOGUE_INDEX, [r[0] for r in json.loads(text).get("records", [])])
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
