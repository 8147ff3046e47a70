"""Checks of data/datapackage.json itself: its shape, profiles, credits, reading options, the book's own
fields, each resource's path, and files under data/ it does not describe."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .datacheck_cells import _frictionless_text
from .datacheck_rules import (
    MISSING_VALUES,
    PACKAGE_PROFILES,
    PROFILE_KEYS,
    READING_OPTIONS,
    YAML_DIRS,
    YAML_FILES,
)
from .datasets import DATA_DIR, LOOKUPS_DIR, PACKAGE_FILE, SCALE_FACTORS, STATUS_LABELS
from .editions import EDITIONS_DIR
from .validate import Problem, citation_problem


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


# frictionless's answers by (kind, descriptor as JSON): its checks are slow (a third of loading the knowledge
# base) and pure, and one process (a build, the test suite) asks about the same descriptors again and again.
_DESCRIPTOR_ERRORS: dict[tuple[str, str], list[str]] = {}


def _descriptor_errors(kind, descriptor: dict) -> list[str]:
    """frictionless's objections to a package or resource descriptor (none when it is sound)."""
    try:
        key = (kind.__name__, json.dumps(descriptor, sort_keys=True))
    except (TypeError, ValueError):
        key = None  # not JSON-shaped: ask frictionless, which says so
    if key in _DESCRIPTOR_ERRORS:
        return list(_DESCRIPTOR_ERRORS[key])
    try:
        errors = [_frictionless_text(error.message) for error in kind.validate_descriptor(descriptor).errors]
    except Exception as err:  # hostile input must not crash validation, even inside frictionless
        errors = [f"cannot be read ({type(err).__name__}: {err})"]
    if key is not None:
        _DESCRIPTOR_ERRORS[key] = errors
    return list(errors)


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
    if parts[0].lower() == LOOKUPS_DIR and len(parts) > 1:
        return (
            f"{path!r} is in {LOOKUPS_DIR}/, where the book writes the lookup tables of its own exports",
            "move the file to another folder, e.g. survey/",
        )
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
        if here == data_dir:  # the YAML folders and the editions' page lists are checked by their own readers
            dirs[:] = [d for d in dirs if d not in YAML_DIRS and d != EDITIONS_DIR]
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
