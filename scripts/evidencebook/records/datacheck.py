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

import json
import re
from pathlib import Path

from .datacheck_cells import _frictionless_problems, _read_rows
from .datacheck_descriptor import (
    _book_field_problems,
    _credit_problems,
    _descriptor_errors,
    _package_problems,
    _path_problem,
    _profile_problems,
    _reading_problems,
    _regex_error,
    _undescribed_files,
)
from .datacheck_rules import (
    DIALECT,
    FIXED_VALUES,
    MAX_BYTES,
    MAX_SIZE_TEXT,
    PACKAGE_REL,
    PROFILE_KEYS,
    READING_OPTIONS,
    RESOURCE_KEYS,
    RESOURCE_PROFILES,
    SCHEMA_KEYS,
    SUPPORTED_TYPES,
)
from .datasets import (
    CHANGES_FILE,
    DATA_DIR,
    DATA_SCRIPT_FILES,
    DATABASE_FILE,
    DATABASE_METADATA_FILE,
    EXPORT_FILES,
    EXPORT_PACKAGE_FILE,
    PACKAGE_FILE,
)
from .validate import Problem
from .vocab import TERMS_THE_CHAPTERS_NAME


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
    return [
        Problem(
            f"{DATA_DIR}/vocabularies/{name}.yml",
            1,
            "terms",
            f"has no term {term_id!r}, which the chapters count or colour by its id",
            "keep the term (its label and definition may change); add new terms beside it",
        )
        for name, ids in TERMS_THE_CHAPTERS_NAME.items()
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
        path_problem = _path_problem(
            path, data_dir, (*EXPORT_FILES, *DATA_SCRIPT_FILES.values(), DATABASE_FILE, DATABASE_METADATA_FILE, CHANGES_FILE, EXPORT_PACKAGE_FILE)
        )
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
