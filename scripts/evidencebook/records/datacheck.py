"""Validation of the data package (data/datapackage.json and its CSV files), as `Problem`s.

The descriptor and every file it points to are untrusted: the descriptor's shape, each resource's path
(inside data/, no link), each file's size and encoding are checked here, then the `frictionless`
package checks every cell against its schema (types, required, enum, unique, bounds, pattern, keys).
The book reads plain comma-separated files, and frictionless is more lenient than the chapters: numbers
must be plain ASCII decimals (no 1_000, ١٢, sNaN or inf), no cell may hold an invisible or control
character, and the options that change how a file is read (bareNumber, decimalChar, groupChar,
missingValues, another dialect) are refused. Anything that makes frictionless fetch or read another
file (a profile or $schema it does not know, an unknown resource property) is refused before
frictionless sees the descriptor. Every problem is reported at once, with the CSV line (the header
is line 1); nothing raises.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from pathlib import Path

from .characters import describe_character, is_hidden_character
from .datasets import DATA_DIR, NUMBERED_STATUSES, PACKAGE_FILE, SCALE_FACTORS, STATUS_LABELS
from .validate import Problem, citation_problem

MAX_BYTES = 5_000_000  # the largest real file is under 60 kB: this only stops a runaway file
MAX_SIZE_TEXT = "5 MB"
SUPPORTED_TYPES = ("string", "number", "integer")  # what datasets._convert types a column as
# Folders and files under data/ that the YAML loader reads (kb.py, vocab.py), not the data package.
YAML_DIRS = {"vocabularies", "frameworks", "glossary"}
YAML_FILES = {"integration-checklist.yml", "reading-list.yml"}
# The CSV dialect datasets.DataPackage.raw reads: anything else would be read differently there.
DIALECT = {"delimiter": ",", "header": True, "quoteChar": '"', "doubleQuote": True}
PACKAGE_REL = f"{DATA_DIR}/{PACKAGE_FILE}"
NOT_A_VALUE = {"base"}  # how many answered: may be stated for a value that is missing
# The profiles frictionless knows without reading a file; any other profile or a $schema it fetches or opens.
PACKAGE_PROFILES = ("data-package", "tabular-data-package")
RESOURCE_PROFILES = ("data-resource", "tabular-data-resource")
PROFILE_KEYS = ("profile", "profiles", "$schema")
# Options that change how frictionless reads a cell; the chapters (datasets.py) read plain CSV text.
READING_OPTIONS = ("bareNumber", "decimalChar", "groupChar", "missingValues")
MISSING_VALUES = [""]  # the one missing-value marker the book reads: an empty cell
# What a resource may say; anything else (extrapaths, compression, scheme, data...) frictionless would act on.
RESOURCE_KEYS = {
    *("name", "path", "title", "description", "format", "mediatype", "encoding", "dialect", "schema"),
    *("sources", "licenses", "profile", "homepage", "bytes", "hash"),
}
FIXED_VALUES = {"format": "csv", "mediatype": "text/csv"}
SCHEMA_KEYS = {"fields", "missingValues", "primaryKey", "foreignKeys"}
# A number as the chapters read it: ASCII digits only (Python would also take 1_000, ١٢ and sNaN).
PLAIN_NUMBERS = {
    "number": re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"),
    "integer": re.compile(r"-?[0-9]+"),
}
NUMBER_FIX = (
    "write the number only, with digits 0-9 and a '.' decimal point (no units, spaces, commas or words); "
    "leave the cell empty if there is none"
)


def data_package_problems(root: Path, bib=None) -> list[Problem]:
    """Every problem in data/datapackage.json, the files it describes and the files it does not;
    with `bib` (references.bib), also each source key the data cites."""
    data_dir = Path(root) / DATA_DIR
    if not data_dir.is_dir():
        return []
    problems: list[Problem] = []
    descriptor, text = _read_descriptor(data_dir, problems)
    if descriptor is None:
        return problems  # which files it describes is unknown: its own problem is the one to fix
    package_found = [
        Problem(PACKAGE_REL, 1, field, message, fix) for field, message, fix in _package_problems(descriptor)
    ]
    problems += package_found
    resources = _checked_resources(descriptor, text, data_dir, problems, bib, not package_found)
    paths = [res.get("path") for res in descriptor["resources"] if isinstance(res, dict)]
    problems += _undescribed_files(data_dir, {path for path in paths if isinstance(path, str)})
    readable = {}
    for name, res in resources.items():
        starts = _read_rows(data_dir / res["path"], f"{DATA_DIR}/{res['path']}", res, problems)
        if starts is not None:
            readable[name] = starts
    if readable and not package_found and not any(p.field == "(package)" for p in problems):
        package = {**descriptor, "resources": [resources[name] for name in readable]}
        problems += _frictionless_problems(package, data_dir, readable)
    return problems


def required_term_problems(vocabularies: dict) -> list[Problem]:
    """The terms the chapters name in their code (to count, colour or group by): a vocabulary must keep them."""
    from ..chapters.charts import KIND_COLOURS  # imported here: the chart code is slow to import
    from ..chapters.findings import COMPARISON_TYPES
    from ..chapters.gapmap import EFFECT_KINDS

    needed = {
        "outcome_kinds": [*KIND_COLOURS, *EFFECT_KINDS],
        "evidence_types": [*COMPARISON_TYPES, "descriptive", "modelled-estimate"],
        "countries": ["england"],
    }
    return [
        Problem(
            f"{DATA_DIR}/vocabularies/{name}.yml",
            1,
            "terms",
            f"has no term {term_id!r}, which the chapters count or colour by its id",
            "keep the term (its label and definition may change); add new terms beside it",
        )
        for name, ids in needed.items()
        if name in vocabularies
        for term_id in dict.fromkeys(ids)
        if term_id not in vocabularies[name]
    ]


# --- the descriptor --------------------------------------------------------------------------------


def _read_descriptor(data_dir: Path, problems: list[Problem]) -> tuple[dict | None, str]:
    path = data_dir / PACKAGE_FILE

    def refuse(line: int, message: str, fix: str):
        problems.append(Problem(PACKAGE_REL, line, "(file)", message, fix))
        return None, ""

    if path.is_symlink():
        return refuse(1, "is a symbolic link", "replace the link by the file itself")
    if not path.is_file():
        return refuse(
            1, "not found", "the datasets need their package descriptor: restore data/datapackage.json"
        )
    if path.stat().st_size > MAX_BYTES:
        return refuse(
            1, f"is larger than the {MAX_SIZE_TEXT} limit", "check the file; the descriptor is a few kB"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
        descriptor = json.loads(text)
    except UnicodeDecodeError as err:
        return refuse(1, f"is not valid UTF-8 (byte {err.object[err.start]:#04x})", "save the file as UTF-8")
    except RecursionError:
        return refuse(
            1, "is nested too deeply to read", "a data package is a few levels deep: fix the brackets"
        )
    except json.JSONDecodeError as err:
        return refuse(err.lineno, f"is not valid JSON: {err.msg} (column {err.colno})", "fix the JSON syntax")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return refuse(
            1,
            "is not a data package",
            'write an object with a "resources" list, as the Frictionless format says',
        )
    return descriptor, text


def _line_of(text: str, name: object) -> int:
    """The line of the descriptor that names resource `name` (1 when it cannot be found)."""
    match = re.search(r'"name"\s*:\s*' + re.escape(json.dumps(name)), text) if isinstance(name, str) else None
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _checked_resources(
    descriptor: dict, text: str, data_dir: Path, problems: list[Problem], bib=None, package_sound=True
) -> dict[str, dict]:
    """The resources whose descriptions are sound, by name; a problem for each one that is not.
    frictionless only sees a description (package or resource) in which the book found no problem."""
    from frictionless import Package, Resource  # imported here: it is slow to import

    from ..publish.export import EXPORT_FILES

    good: dict[str, dict] = {}
    seen: set[str] = set()
    paths: dict[str, int] = {}  # lowercase: two names that differ in case are one file on some systems
    for i, res in enumerate(descriptor["resources"]):
        name = res.get("name") if isinstance(res, dict) else None
        line = _line_of(text, name)
        where = f"resources[{i}]"
        found = []

        def add(field: str, message: str, fix: str, found=found, where=where, line=line):
            found.append(Problem(PACKAGE_REL, line, f"{where}.{field}" if field else where, message, fix))

        if not isinstance(res, dict):
            add("", "is not an object", "describe each resource as an object with name, path and schema")
            problems += found
            continue
        if not isinstance(name, str) or not name:
            add("name", "is missing", "give the resource a name (lowercase, digits and hyphens)")
        elif name in seen:
            add("name", f"{name!r} names two resources", "resource names are unique: rename one")
        if isinstance(name, str):
            seen.add(name)
        path = res.get("path")
        path_problem = _path_problem(path, data_dir, EXPORT_FILES)
        if path_problem:
            add("path", *path_problem)
        elif path.lower() in paths:
            add(
                "path",
                f"{path!r} is also the path of resources[{paths[path.lower()]}]",
                "each resource describes a file of its own: remove one, or fix its path",
            )
        else:
            paths[path.lower()] = i
        for key in res:
            if key not in RESOURCE_KEYS and key not in PROFILE_KEYS and key not in READING_OPTIONS:
                add(
                    key,
                    "is not a resource property the book supports",
                    f"remove it; a resource may give {', '.join(sorted(RESOURCE_KEYS))}",
                )
        for key, wanted in FIXED_VALUES.items():
            if key in res and res[key] != wanted:
                add(
                    key,
                    f"{json.dumps(res[key])} is not supported",
                    f'the book reads CSV files: write "{key}": "{wanted}"',
                )
        for field, message, fix in [
            *_profile_problems(res, RESOURCE_PROFILES),
            *_credit_problems(res),
            *_reading_problems(res),
        ]:
            add(field, message, fix)
        schema, dialect = res.get("schema"), res.get("dialect")
        if not isinstance(schema, dict):
            what = "is missing" if schema is None else f"is {type(schema).__name__}, not an object"
            add("schema", what, "write the schema inside the descriptor, as an object listing its fields")
        elif not isinstance(schema.get("fields"), list):
            add("schema.fields", "is missing or not a list", "describe every column under schema.fields")
        else:
            for key in schema:
                if key not in SCHEMA_KEYS and key not in PROFILE_KEYS and key not in READING_OPTIONS:
                    add(
                        f"schema.{key}",
                        "is not a schema property the book supports",
                        f"remove it; a schema may give {', '.join(sorted(SCHEMA_KEYS))}",
                    )
            for field, message, fix in _reading_problems(schema, "schema"):
                add(field, message, fix)
            for j, spec in enumerate(schema["fields"]):
                for field, message, fix in _reading_problems(spec, f"schema.fields[{j}]"):
                    add(field, message, fix)
        if (
            not isinstance(dialect, dict)
            or any(k not in dialect for k in ("delimiter", "header"))
            or any(
                k not in DIALECT or type(v) is not type(DIALECT[k]) or v != DIALECT[k]
                for k, v in dialect.items()
            )
        ):
            add(
                "dialect",
                f"{json.dumps(dialect)} is not the book's CSV dialect: the book reads plain comma-separated files",
                f"use commas and a header row: {json.dumps(DIALECT)}",
            )
        if str(res.get("encoding", "utf-8")).lower() not in ("utf-8", "utf8"):
            add(
                "encoding",
                f"{res['encoding']!r} is not supported",
                'save the file as UTF-8 and write "encoding": "utf-8"',
            )
        if not found:
            for message in _descriptor_errors(Resource, res):
                add("", message, "fix it as the Frictionless data package standard describes")
        if not found:
            for j, spec in enumerate(schema["fields"]):
                if spec.get("type", "string") not in SUPPORTED_TYPES:
                    add(
                        f"schema.fields[{j}].type",
                        f"{spec.get('type')!r} is not supported by the book",
                        f"use one of {', '.join(SUPPORTED_TYPES)}",
                    )
                constraints = spec.get("constraints", {})
                pattern = constraints.get("pattern")
                if pattern is not None and _regex_error(pattern):
                    add(
                        f"schema.fields[{j}].constraints.pattern",
                        f"{pattern!r} is not a valid regular expression ({_regex_error(pattern)})",
                        "fix the pattern",
                    )
                for value in constraints.get("enum", []):
                    if not isinstance(value, str):
                        add(
                            f"schema.fields[{j}].constraints.enum",
                            f"{json.dumps(value)} is not text",
                            "write each allowed value in quotes, as it is written in the CSV file",
                        )
                for message, fix in _book_field_problems(spec, descriptor, bib):
                    add(f"schema.fields[{j}].constraints.enum", message, fix)
        problems += found
        if not found:
            good[name] = res
    rest = {key: value for key, value in descriptor.items() if key != "resources"}
    if good and package_sound:
        for message in _descriptor_errors(Package, {**rest, "resources": list(good.values())}):
            problems.append(
                Problem(
                    PACKAGE_REL,
                    1,
                    "(package)",
                    message,
                    "fix it as the Frictionless data package standard describes",
                )
            )
    elif not descriptor["resources"]:
        problems.append(Problem(PACKAGE_REL, 1, "resources", "is empty", "describe at least one CSV file"))
    return good


def _package_problems(descriptor: dict) -> list[tuple[str, str, str]]:
    """(field, message, fix) for the package's own properties (its resources are checked one by one)."""
    rest = {key: value for key, value in descriptor.items() if key != "resources"}
    return [*_profile_problems(rest, PACKAGE_PROFILES), *_credit_problems(rest), *_reading_problems(rest)]


def _profile_problems(value, allowed: tuple[str, ...] = (), where: str = "", depth: int = 0):
    """(field, message, fix) for each profile or $schema frictionless would fetch or open as a file: one
    it knows by name is allowed where it belongs (allowed), nothing anywhere else. Deeper than any
    level frictionless reads a profile at, nothing is looked at."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    found = []
    for key, item in items:
        here = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key
        if key in PROFILE_KEYS and not (key == "profile" and item in allowed):
            found.append(
                (
                    here,
                    f"{json.dumps(item)[:100]} is not a profile the book accepts (frictionless would fetch or open it)",
                    f"remove it{'; or use ' + ' or '.join(allowed) if allowed and key == 'profile' else ''}",
                )
            )
        elif depth < 8:
            found += _profile_problems(item, (), here, depth + 1)
    return found


def _credit_problems(described: dict) -> list[tuple[str, str, str]]:
    """(field, message, fix) for `sources` and `licenses`, which the book reads: the data dictionary shows
    each title and links a licence's path; a source_key's source is found by its title."""
    found = []
    for key, texts in (("sources", ("title", "path")), ("licenses", ("name", "path", "title"))):
        if key not in described:
            continue
        items = described[key]
        if not isinstance(items, list):
            found.append(
                (
                    key,
                    f"is {_kind(items)}, not a list",
                    f'write a list of objects, e.g. "{key}": [{{"title": "..."}}]',
                )
            )
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                found.append((f"{key}[{i}]", f"is {_kind(item)}, not an object", 'write {"title": "..."}'))
                continue
            for text_key in texts:
                if text_key in item and not isinstance(item[text_key], str):
                    found.append(
                        (
                            f"{key}[{i}].{text_key}",
                            f"is {_kind(item[text_key])}, not text",
                            "write it in quotes",
                        )
                    )
    return found


def _reading_problems(described, where: str = "") -> list[tuple[str, str, str]]:
    """(field, message, fix) for each option that changes how a cell is read; only a schema's
    missingValues may stay, as [""]: an empty cell is a missing value."""
    if not isinstance(described, dict):
        return []
    return [
        (
            f"{where}.{key}" if where else key,
            f"{json.dumps(described[key])} is not supported: the book reads plain comma-separated files",
            'remove it: write numbers with digits 0-9 and a "." decimal point, and leave a missing value\'s cell '
            'empty (a schema may say "missingValues": [""])',
        )
        for key in READING_OPTIONS
        if key in described
        and not (where == "schema" and key == "missingValues" and described[key] == MISSING_VALUES)
    ]


def _kind(value) -> str:
    """The JSON name of a value's type, for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", str: "text"}.get(type(value), "a number")


def _book_field_problems(spec: dict, descriptor: dict, bib) -> list[tuple[str, str]]:
    """The fields whose values the chapters translate: each value must be one the book can show."""
    name, enum = spec.get("name", ""), spec.get("constraints", {}).get("enum")
    if name == "status":
        known, fix = list(STATUS_LABELS), "use the statuses the book explains (datasets.STATUS_LABELS)"
    elif name == "scale" or name.endswith("_scale"):
        known, fix = [w for w in SCALE_FACTORS if w], "the charts multiply by these words only"
    elif name == "source_key":
        sources = descriptor.get("sources")  # its own problem is reported when it is not a list
        titles = (
            [s.get("title", "") for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []
        )
        found = []
        for key in enum or []:
            if not any(str(t).rstrip().endswith(f"bib key {key}") for t in titles):
                found.append(
                    (
                        f"{key!r} has no entry in the package's sources",
                        f"add a source titled '... ; bib key {key}'",
                    )
                )
            elif bib is not None and citation_problem(bib, str(key)):
                found.append(citation_problem(bib, str(key)))
        return found if enum else [("is missing", "list the bib keys a source_key may take")]
    else:
        return []
    if not enum:
        return [(f"is missing: {name} may only take {', '.join(known)}", "list them as the field's enum")]
    return [
        (f"{value!r} is not one the book knows", f"use one of {', '.join(known)}; {fix}")
        for value in enum
        if value not in known
    ]


def _descriptor_errors(kind, descriptor: dict) -> list[str]:
    """frictionless's objections to a package or resource descriptor (none when it is sound)."""
    try:
        return [_frictionless_text(error.message) for error in kind.validate_descriptor(descriptor).errors]
    except Exception as err:  # hostile input must not crash validation, even inside frictionless
        return [f"cannot be read ({type(err).__name__}: {err})"]


def _regex_error(pattern: object) -> str:
    try:
        re.compile(str(pattern))
    except re.error as err:
        return str(err)
    return ""


def _path_problem(path: object, data_dir: Path, exports=()) -> tuple[str, str] | None:
    """Why a resource path is refused: the package may only point at plain files inside data/, not
    named like a file the build writes beside them (`exports`, in the site's data/ folder)."""
    fix = "give the path of a CSV file inside data/, relative to it, e.g. survey/results.csv"
    if not isinstance(path, str) or not path:
        return "is missing or not a single path", fix
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", path) or path.startswith(("/", "\\", "~")) or "\\" in path:
        return (
            f"{path!r} is not a relative path inside data/ (no addresses, absolute paths or backslashes)",
            fix,
        )
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"{path!r} leaves or circles the data folder", fix
    if not path.lower().endswith(".csv"):
        return f"{path!r} is not a .csv file", fix
    target = data_dir
    for part in parts:
        target = target / part
        if target.is_symlink():
            return (
                f"{path!r} goes through a symbolic link ({target.relative_to(data_dir).as_posix()})",
                "replace the link by the file itself",
            )
    if parts[0] in YAML_DIRS:
        return f"{path!r} is in a folder of YAML files", fix
    if path.lower() in {name.lower() for name in exports}:
        return (
            f"{path!r} is the name of a file the book exports itself ({', '.join(exports)})",
            "rename the file and its path, e.g. survey/outcomes.csv",
        )
    if not target.is_file():
        return f"{path!r} does not exist", "add the file, or fix the path"
    return None


# --- files -------------------------------------------------------------------------------------------


def _undescribed_files(data_dir: Path, described: set[str]) -> list[Problem]:
    """A problem for every file or link under data/ outside the YAML folders that no resource describes."""
    problems = []
    for folder, dirs, files in os.walk(data_dir):
        here = Path(folder)
        if here == data_dir:
            dirs[:] = [d for d in dirs if d not in YAML_DIRS]
        for entry in sorted([*dirs, *files]):
            path = here / entry
            rel = path.relative_to(data_dir).as_posix()
            if path.is_symlink():
                problems.append(
                    Problem(
                        f"{DATA_DIR}/{rel}",
                        1,
                        "(file)",
                        "is a symbolic link",
                        "replace the link by the file itself",
                    )
                )
            elif path.is_file() and rel not in described and rel not in YAML_FILES and rel != PACKAGE_FILE:
                problems.append(
                    Problem(
                        f"{DATA_DIR}/{rel}",
                        1,
                        "(file)",
                        "is not described by data/datapackage.json",
                        "add a resource for it to data/datapackage.json, or remove the file",
                    )
                )
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    return problems


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
        odd = next((ch for ch in cell if ch == "\t" or (ch not in "\r\n" and is_hidden_character(ch))), None)
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


def _frictionless_problems(descriptor: dict, data_dir: Path, readable: dict[str, list[int]]) -> list[Problem]:
    """Every cell of every readable resource against its schema; one package, so foreign keys resolve."""
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
