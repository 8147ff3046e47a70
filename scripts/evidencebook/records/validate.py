"""Validation of one file: YAML, then the schema, then the rules.

Schema errors come from pydantic (schema.py) and are translated here into fix-oriented messages;
what pydantic cannot check alone (vocabularies, citation keys, ids against file names, related ids,
regions) is checked by the named rules in records/rules.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import rules
from .bib import Bibliography
from .characters import describe_character
from .problems import Problem, citation_problem, field_name, id_problem, vocabulary_problem
from .rules.record import RecordInput, RecordName
from .schema import CaseStudy, inner_model
from .vocab import Vocabulary
from .yamlsafe import LoadedYaml, load_yaml_file

# Problem and the shared messages were defined here before problems.py: other modules import them from here.
__all__ = ["Problem", "citation_problem", "field_name", "id_problem", "vocabulary_problem", "validate_record_file", "validate_data_file"]

RECORD_SUFFIXES = (".yml", ".yaml")
PROJECT_FILES = {"_template.yml", "_schema.json", "README.md"}


# --- pydantic errors -> messages ------------------------------------------------------------------


def _model_at(path: tuple, root_model: type[BaseModel] = CaseStudy) -> type[BaseModel] | None:
    """The model class that holds the field at `path` (for suggesting field names)."""
    model: Any = root_model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        model = inner_model(model.model_fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _describe(path: tuple, root_model: type[BaseModel] = CaseStudy) -> str:
    model = _model_at(path[:-1], root_model) if path else None
    name = path[-1] if path else None
    if model is not None and isinstance(name, str) and name in model.model_fields:
        return model.model_fields[name].description or ""
    return ""


def _schema_problem(error: dict, root_model: type[BaseModel] = CaseStudy) -> tuple[tuple, str, str]:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = error["type"]
    ctx = error.get("ctx", {}) or {}
    given = error.get("input")
    if kind == "missing":
        desc = _describe(loc, root_model)
        return loc, "is missing", f"add `{loc[-1]}:`" + (f" ({desc[0].lower()}{desc[1:]})" if desc else "")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], root_model)
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else f"known fields here: {', '.join(known)}"
        return loc, "is not a known field", f"remove it or fix its name — {hint}"
    if kind in ("string_type",):
        return loc, f"should be text, not {_yaml_type(given)}", "write text; put it in quotes if it looks like a number, date or yes/no"
    if kind in ("float_type", "int_type", "int_from_float", "float_parsing", "int_parsing"):
        if isinstance(given, str) and any(c in given for c in "%£$€"):
            return loc, f"should be a plain number, not {given!r}", "write the number alone and put the unit in `unit` (e.g. percent, GBP)"
        if isinstance(given, str) and "," in given:
            return loc, f"should be a plain number, not {given!r}", "write the number without commas, e.g. 12500"
        if kind == "float_type" and isinstance(given, int) and not isinstance(given, bool):
            return loc, f"is a number too large to store ({len(str(abs(given)))} digits)", "check the figure; give large amounts with `scale` (thousand, million, billion)"
        whole = kind.startswith("int")
        return loc, f"should be a {'whole ' if whole else ''}number, not {_yaml_type(given)}", "write a plain number without quotes, e.g. " + ("2016" if whole else "12.5")
    if kind == "list_type":
        return loc, f"should be a list, not {_yaml_type(given)}", "write one `- item` per line under it"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, f"should be a group of fields, not {_yaml_type(given)}", "indent its fields under it as the template shows"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return loc, f"{given!r} is not allowed", f"use one of {expected}"
    if kind == "string_pattern_mismatch":
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if name in ("id", "related"):
            return (loc, *id_problem(str(given)))
        if name == "url":
            if isinstance(given, str) and re.match(r"https?://", given):
                odd = next((ch for ch in given if ch.isspace() or ch in "<>\"'`\\" or unicodedata.category(ch) == "Cc"), "")
                return loc, f"{given!r} contains {describe_character(odd)}, which an address cannot hold", "remove it, or percent-encode it (a space is %20)"
            return loc, f"{given!r} is not an http(s) address", "use an address starting with https:// or http://"
        if name == "key":
            return loc, f"{given!r} is not a valid citation key", "use the key exactly as it appears in references.bib"
        return loc, f"{given!r} does not have the expected form", "follow the example in the template"
    if kind == "string_too_short":
        return loc, "is empty", "fill it in, or remove the field if it is optional"
    if kind == "string_too_long":
        return loc, f"is longer than {ctx.get('max_length')} characters", "shorten it"
    if kind == "too_short":
        return loc, "is empty", f"give at least {ctx.get('min_length', 1)}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if loc and loc[-1] in ("start", "end"):
            return loc, f"{given!r} is out of range", "write a four-digit year between 1800 and 2100"
        limits = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
        bound = next(f"{words} {ctx[name]}" for name, words in limits.items() if name in ctx)
        return loc, f"{given!r} is out of range", f"write a number {bound}"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        what, _, fix = text.partition(": ")
        return loc, what, fix or "see CONTRIBUTING.md"
    if kind == "finite_number":
        if loc and loc[-1] not in ("value", "value_max"):
            return loc, f"is {given!r}, which is not a number", "write a plain number, e.g. 250000"
        return loc, f"is {given!r}, which is not a number", "write the figure the source gives, or leave `value` out and say why in `note`"
    if kind == "bool_type":
        return loc, f"should be true or false, not {given!r}", "write true or false"
    return loc, error["msg"], "see the template in case_studies/_template.yml"


def _yaml_type(value: Any) -> str:
    if value is None:
        return "empty"
    return {bool: "yes/no", int: "a number", float: "a number", str: "text", list: "a list", dict: "a group of fields"}.get(
        type(value), type(value).__name__
    )


# --- one file -------------------------------------------------------------------------------------


@dataclass
class RecordResult:
    path: Path
    record: CaseStudy | None
    problems: list[Problem]
    loaded: LoadedYaml | None = None


def validate_record_file(
    path: Path, rel: str, vocabularies: dict[str, Vocabulary], bib: Bibliography | None
) -> RecordResult:
    loaded = load_yaml_file(path)
    problems = [Problem(rel, p.line, field_name(p.path), p.message, p.fix) for p in loaded.problems]
    problems += rules.run("record-file", RecordName(path, rel))
    if loaded.problems:
        return RecordResult(path, None, problems, loaded)
    data = loaded.data
    if not isinstance(data, dict):
        return RecordResult(
            path,
            None,
            [Problem(rel, loaded.line_of(()), "(file)", f"holds {_yaml_type(data)}, not a record", "a record is a set of fields (title: ..., place: ...): start from case_studies/_template.yml")],
            loaded,
        )
    try:
        record = CaseStudy.model_validate(data)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            loc, message, fix = _schema_problem(error)
            problems.append(Problem(rel, loaded.line_of(loc), field_name(loc), message, fix))
        # Keep checking what can be checked, so one run reports every problem in the file.
        problems += rules.run_drafts(RecordInput(rel, path.stem, data, None, loaded, vocabularies, bib))
        return RecordResult(path, None, sorted(set(problems)), loaded)
    problems += rules.run("record", RecordInput(rel, path.stem, data, record, loaded, vocabularies, bib))
    return RecordResult(path, None if problems else record, problems, loaded)


def validate_data_file(path: Path, rel: str, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem], LoadedYaml]:
    """Validate a YAML file in data/ (vocabulary, framework, glossary term, checklist) against its model;
    the rules of its kind are run by the caller, which knows the other files they compare it with."""
    loaded = load_yaml_file(path)
    problems = [Problem(rel, p.line, field_name(p.path), p.message, p.fix) for p in loaded.problems]
    if problems:
        return None, problems, loaded
    if not isinstance(loaded.data, dict):
        return None, [Problem(rel, 1, "(file)", f"holds {_yaml_type(loaded.data)}, not a set of fields", "see CONTRIBUTING.md for its layout")], loaded
    try:
        obj = model.model_validate(loaded.data)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            loc, message, fix = _schema_problem(error, model)
            problems.append(Problem(rel, loaded.line_of(loc), field_name(loc), message, fix))
        return None, problems, loaded
    return obj, problems, loaded
