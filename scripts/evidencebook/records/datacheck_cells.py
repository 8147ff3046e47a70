"""Checks of the CSV files' cells: how each file reads, hidden characters, plain numbers, statuses, then
frictionless's checks of every cell against its schema, each as a Problem at its CSV line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from pathlib import Path

from .characters import describe_character, first_hidden_character
from .datacheck_rules import (
    MAX_BYTES,
    MAX_SIZE_TEXT,
    MISSING_VALUES,
    NOT_A_VALUE,
    NUMBER_FIX,
    PACKAGE_REL,
    PLAIN_NUMBERS,
)
from .datasets import DATA_DIR, NUMBERED_STATUSES, STATUS_LABELS
from .validate import Problem


def _read_rows(path: Path, rel: str, res: dict, problems: list[Problem]) -> list[int] | None:
    """The line each CSV row starts on (rows counted as frictionless counts them, header = row 1), after
    checking size, encoding and finite numbers; None when the file cannot be read as text."""

    def refuse(line: int, message: str, fix: str):
        problems.append(Problem(rel, line, "(file)", message, fix))

    size = path.stat().st_size
    if size > MAX_BYTES:
        return refuse(
            1,
            f"is {size:,} bytes, more than the {MAX_SIZE_TEXT} a data file may hold",
            "check the file; split a real dataset this large into several resources",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        return refuse(
            line,
            f"is not valid UTF-8 (byte {raw[err.start]:#04x})",
            "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
        )
    if "\0" in text:
        return refuse(
            text.count("\n", 0, text.index("\0")) + 1,
            "contains a NUL byte",
            "remove it; save the file as plain CSV text",
        )
    fields = res["schema"]["fields"]
    names = [spec["name"] for spec in fields]  # a row's cells by position, as frictionless reads them
    numeric = {spec["name"]: spec["type"] for spec in fields if spec.get("type") in PLAIN_NUMBERS}
    reader = csv.reader(io.StringIO(text, newline=""))
    starts = []
    try:
        line = 1
        for row in reader:
            starts.append(line)
            problems += _hidden_character_problems(rel, line, row, names if len(starts) > 1 else None)
            if len(starts) > 1 and len(row) == len(names):  # ragged rows: frictionless reports them
                cells = dict(zip(names, row, strict=True))
                problems += _number_problems(rel, line, cells, numeric)
                problems += _status_problems(rel, line, cells, set(numeric), set(MISSING_VALUES))
            line = reader.line_num + 1
    except csv.Error as err:
        return refuse(
            reader.line_num,
            f"cannot be read as CSV: {err}",
            "quote cells that contain commas, quotes or line breaks",
        )
    return starts


def _hidden_character_problems(rel: str, line: int, row: list[str], names: list[str] | None) -> list[Problem]:
    """A cell with a control or invisible character (a bidi override, a zero-width space, a bell, a tab)
    hides or reorders what it says. Line breaks inside a quoted cell are text."""
    problems = []
    for i, cell in enumerate(row):
        found = (first_hidden_character(cell, allowed="\r\n"), "\t" if "\t" in cell else None)
        odd = min((ch for ch in found if ch), key=cell.index, default=None)  # whichever comes first
        if odd is not None:
            column = "(header)" if names is None else names[i] if i < len(names) else "(row)"
            at = line + sum(c.count("\n") for c in row[:i]) + cell[: cell.index(odd)].count("\n")
            problems.append(
                Problem(
                    rel,
                    at,
                    column,
                    f"contains {describe_character(odd)}",
                    "delete it: control and invisible characters hide or reorder text (they often come "
                    "from copy and paste)",
                )
            )
    return problems


def _number_problems(rel: str, line: int, cells: dict, numeric: dict[str, str]) -> list[Problem]:
    """A number the chapters can read: plain ASCII digits, finite (frictionless would take 1_000 or inf)."""
    problems = []
    for column, kind in numeric.items():
        cell = cells[column]
        if cell in MISSING_VALUES:
            continue
        if _not_finite(cell):
            problems.append(Problem(rel, line, column, f"{cell!r} is not a finite number", NUMBER_FIX))
        elif not PLAIN_NUMBERS[kind].fullmatch(cell):
            what = "a number" if kind == "number" else "a whole number"
            problems.append(Problem(rel, line, column, f"{cell!r} is not {what}", NUMBER_FIX))
    return problems


def _status_problems(rel: str, line: int, cells: dict, numeric: set[str], missing: set[str]) -> list[Problem]:
    """A row's status says whether it carries a number: the charts draw exactly the numbered ones."""
    status = cells.get("status")
    given = [c for c in sorted(numeric - NOT_A_VALUE) if cells.get(c, "") not in missing]
    if status in NUMBERED_STATUSES and not given and numeric - NOT_A_VALUE:
        return [
            Problem(
                rel,
                line,
                "status",
                f"is {status!r} but the row gives no number",
                "fill in the number, or use the status missing, not-given or stated-in-words",
            )
        ]
    if status in STATUS_LABELS and status not in NUMBERED_STATUSES and given:
        return [
            Problem(
                rel,
                line,
                "status",
                f"is {status!r} but the row gives a number in {given[0]}",
                "use the status stated (or paired-by-position), or empty the number",
            )
        ]
    return []


def _not_finite(cell: str) -> bool:
    try:
        return not math.isfinite(float(cell))
    except ValueError:
        return False  # not a number at all: _number_problems reports it


# --- cells, via frictionless ---------------------------------------------------------------------------


def _frictionless_text(message: str) -> str:
    """A frictionless message without its trailing period, as one clause of ours."""
    return message.strip().rstrip(".")


# frictionless's cell checks by the digest of the descriptor and the bytes of every file it names: the
# slowest part of loading the knowledge base, and pure, so a process never checks the same package twice.
_CELL_PROBLEMS: dict[str, list[Problem]] = {}


def _frictionless_problems(descriptor: dict, data_dir: Path, readable: dict[str, list[int]]) -> list[Problem]:
    """Every cell of every readable resource against its schema; one package, so foreign keys resolve."""
    digest = hashlib.sha256(json.dumps([descriptor, readable], sort_keys=True, default=str).encode())
    for resource in descriptor.get("resources", []):
        path = data_dir / str(resource.get("path", ""))
        digest.update(b"\0" + (path.read_bytes() if path.is_file() else b"(not a file)"))
    key = digest.hexdigest()
    if key not in _CELL_PROBLEMS:
        _CELL_PROBLEMS[key] = _check_cells(descriptor, data_dir, readable)
    return list(_CELL_PROBLEMS[key])


def _check_cells(descriptor: dict, data_dir: Path, readable: dict[str, list[int]]) -> list[Problem]:
    from frictionless import Package

    problems = []
    try:
        package = Package(descriptor, basepath=str(data_dir))
    except Exception as err:  # hostile input must not crash validation, even inside frictionless
        return [Problem(PACKAGE_REL, 1, "(package)", f"cannot be read ({err})", "fix the descriptor")]
    for resource in package.resources:
        rel = f"{DATA_DIR}/{resource.path}"
        try:
            report = resource.validate()
        except Exception as err:
            problems.append(
                Problem(rel, 1, "(file)", f"cannot be checked ({err})", "fix the file or its description")
            )
            continue
        problems += _report_problems(report, rel, resource.schema.to_descriptor(), readable[resource.name])
    return problems


def _report_problems(report, rel: str, schema: dict, starts: list[int]) -> list[Problem]:
    fields = {spec["name"]: spec for spec in schema.get("fields", [])}
    errors = [e for task in report.tasks for e in task.errors] + list(report.errors)
    # The cells of a ragged row are misplaced: its one message says so, not one per cell.
    ragged: dict[int, str] = {}
    for error in errors:
        if error.type in ("extra-cell", "missing-cell"):
            ragged.setdefault(error.row_number, "more" if error.type == "extra-cell" else "fewer")
    problems, told = [], set()
    for error in errors:
        if error.type == "type-error" and fields.get(error.field_name, {}).get("type") in PLAIN_NUMBERS:
            continue  # _number_problems has reported it, more strictly
        row = getattr(error, "row_number", None)
        line = starts[row - 1] if row and row <= len(starts) else (row or 1)
        if row not in ragged:
            problems.append(Problem(rel, line, *_describe(error, fields)))
        elif row not in told:
            told.add(row)
            problems.append(
                Problem(
                    rel,
                    line,
                    "(row)",
                    f"has {ragged[row]} cells than the header",
                    "quote cells that contain commas; give every row one cell per column",
                )
            )
    return problems


def _describe(error, fields: dict) -> tuple[str, str, str]:
    """(field, message, fix) for one frictionless error."""
    kind = error.type
    column = getattr(error, "field_name", None) or getattr(error, "label", None) or "(file)"
    cell = getattr(error, "cell", None)
    spec = fields.get(column, {})
    if kind == "constraint-error":
        constraint = re.search(r'constraint "(\w+)"', error.note or "")
        constraint = constraint.group(1) if constraint else ""
        value = spec.get("constraints", {}).get(constraint)
        if constraint == "required":
            return column, "required but empty", "fill it in"
        if constraint == "enum":
            return column, f"{cell!r} is not allowed", f"use one of {', '.join(map(str, value))}"
        return (
            column,
            f"{cell!r} breaks the constraint {constraint} = {value!r}",
            "correct the value, or the constraint in data/datapackage.json",
        )
    if kind == "type-error":
        kind_name = spec.get("type", "string")
        return (
            column,
            f"{cell!r} is not a {kind_name}",
            "write the number only (no units, commas or words)"
            if kind_name in ("number", "integer")
            else "write a value of that type",
        )
    if kind in ("unique-error", "primary-key", "foreign-key"):
        what = {
            "unique-error": "repeats a value that must be unique",
            "primary-key": "repeats the primary key of an earlier row",
            "foreign-key": "refers to a row that does not exist",
        }[kind]
        if kind == "foreign-key":
            what += f" ({_frictionless_text(error.note or '')})"
        return (
            column if kind == "unique-error" else "(row)",
            what,
            "make each key unique, or fix the reference",
        )
    if kind in (
        "extra-label",
        "missing-label",
        "incorrect-label",
        "duplicate-label",
        "blank-label",
        "blank-header",
    ):
        names = ", ".join(spec_name for spec_name in fields)
        return (
            "(header)",
            _frictionless_text(error.message),
            f"the header must list the fields of data/datapackage.json in order: {names}",
        )
    if kind == "blank-row":
        return "(row)", "is empty", "remove the empty line"
    return (
        column,
        _frictionless_text(error.message),
        "fix the file or its description in data/datapackage.json",
    )
