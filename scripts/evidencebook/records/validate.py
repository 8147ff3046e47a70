"""Validation of case-study records: every problem in every file, each with its line, field and fix.

Schema errors come from pydantic (schema.py) and are translated into fix-oriented messages; the
checks pydantic cannot make alone (vocabularies, citation keys, ids against file names, related
ids, regions) are made here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .bib import Bibliography
from .characters import describe_character, is_hidden_character
from .schema import ID_PATTERN, RESERVED_IDS, CaseStudy, inner_model, unit_base
from .vocab import Vocabulary
from .yamlsafe import LoadedYaml, load_yaml_file

RECORD_SUFFIXES = (".yml", ".yaml")
PROJECT_FILES = {"_template.yml", "_schema.json", "README.md"}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        # Invisible characters (in a file name, say) are shown as codes: a bidi override would reorder the line.
        return _show_hidden(f"{self.file}:{self.line}: {self.field}: {self.message} — {self.fix}")


def _show_hidden(text: str) -> str:
    return "".join(f"<U+{ord(ch):04X}>" if is_hidden_character(ch) or ch in "\n\t\u200c\u200d" else ch for ch in text)


def id_problem(value: str, what: str = "a valid id") -> tuple[str, str]:
    """(message, fix) for a string that is not an id, naming the first character that does not belong."""
    fix = "use lowercase letters, digits and single hyphens, e.g. wigan-deal (plain ASCII: a–z, 0–9, -)"
    odd = next((ch for ch in value if not ch.isascii() or not ch.isprintable()), None)
    if odd is None:
        return f"{value!r} is not {what}", fix
    hint = ", which only looks like a Latin letter" if _looks_latin(odd) else ""
    return f"{value!r} is not {what}: it contains {describe_character(odd)}{hint}", fix


def _looks_latin(ch: str) -> bool:
    """Cyrillic and Greek letters that are drawn like Latin ones (the usual confusables in ids)."""
    return unicodedata.name(ch, "").split(" ")[0] in ("CYRILLIC", "GREEK", "FULLWIDTH", "MATHEMATICAL")


def field_name(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


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


# --- checks beyond the schema ---------------------------------------------------------------------


def _vocabulary_fields(model: BaseModel, path: tuple = ()):
    """Yield (path, value, vocabulary name, is_unit) for every vocabulary-controlled value in a record."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        vocab = extra.get("vocabulary")
        if vocab and value is not None:
            values = value if isinstance(value, list) else [value]
            for i, v in enumerate(values):
                yield ((*path, name, i) if isinstance(value, list) else (*path, name)), v, vocab, bool(extra.get("vocabulary_prefix"))
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                yield from _vocabulary_fields(item, (*path, name, i) if isinstance(value, list) else (*path, name))


def vocabulary_problem(vocab: Vocabulary, value: str, is_unit: bool = False) -> tuple[str, str] | None:
    """(message, fix) when `value` is not a term of `vocab`, suggesting the nearest term."""
    checked = unit_base(value) if is_unit else value
    if checked in vocab:
        return None
    where = f"data/vocabularies/{vocab.name}.yml" if vocab.path else "data/frameworks/"
    if not vocab.terms:
        return f"{value!r} is not in the {vocab.name} vocabulary, which is empty", f"remove it, or add terms to {where}"
    nearest = vocab.nearest(checked)
    if is_unit:
        term = vocab.by_id.get(nearest) if nearest else None
        if term is not None and term.extra.get("currency"):
            return f"{checked!r} is not a known unit", f"money needs its currency code: write {value.replace(checked, nearest, 1)!r}"
        if nearest:
            return f"{checked!r} is not a known unit", f"did you mean {value.replace(checked, nearest, 1)!r}? Units are listed in {where}"
        return f"{checked!r} is not a known unit", f"use a unit from {where}, optionally followed by 'per ...'"
    if nearest:
        hint = f"did you mean {nearest!r}?"
    else:
        ids = vocab.ids()
        hint = f"known values: {', '.join(ids[:12])}{' ...' if len(ids) > 12 else ''}"
    return f"{value!r} is not in the {vocab.name} vocabulary", f"{hint} (terms are defined in {where}; add one there if none fits)"


def semantic_problems(record: CaseStudy, stem: str, vocabularies: dict[str, Vocabulary], bib: Bibliography | None):
    """Yield (path, message, fix) for what the schema alone cannot check."""
    if record.id != stem and re.fullmatch(ID_PATTERN, stem):  # a bad file name is reported on its own
        yield ("id",), f"is {record.id!r} but the file is {stem}.yml", f"make them the same: rename the file to {record.id}.yml or set id: {stem}"
    for path, value, name, is_unit in _vocabulary_fields(record):
        vocab = vocabularies.get(name)
        found = vocabulary_problem(vocab, value, is_unit) if vocab is not None and vocab.usable else None
        if found:
            yield (path, *found)
    for name in ("themes", "model", "organisations", "illustrates", "related"):
        values = getattr(record, name)
        for i, value in enumerate(values):
            if value in values[:i]:
                yield (name, i), f"lists {value!r} twice", "remove the repeat"
    place = record.place
    if place.country == "england" and record.level != "national" and place.region is None:
        yield ("place", "region"), "is missing for a case study in England", "add the English region, e.g. region: north-west"
    if place.region is not None and place.country != "england":
        yield ("place", "region"), f"is given but the country is {place.country!r}", "regions apply to England only: remove region"
    if record.period.start and record.period.end and record.period.start > record.period.end:
        yield ("period",), f"starts ({record.period.start}) after it ends ({record.period.end})", "swap start and end"
    if record.id in record.related:
        yield ("related",), "lists the case study itself", "remove its own id"
    if bib is not None:
        for path, key in _citation_keys(record):
            found = citation_problem(bib, key)
            if found:
                yield (path, *found)


def citation_problem(bib: Bibliography, key: str) -> tuple[str, str] | None:
    """(message, fix) when `key` is not defined in references.bib (an unreadable file is reported once, on its own)."""
    if key in bib or bib.data is None:
        return None
    close = difflib.get_close_matches(key, list(bib.keys), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"cites {key!r}, which is not in references.bib", hint + "add the work to references.bib or fix the key"


def _citation_keys(record: CaseStudy):
    for i, source in enumerate(record.sources):
        yield ("sources", i, "key"), source.key
    for i, outcome in enumerate(record.outcomes):
        if outcome.source is not None:
            yield ("outcomes", i, "source", "key"), outcome.source.key
    for i, example in enumerate(record.examples):
        yield ("examples", i, "source", "key"), example.source.key


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
    if not re.fullmatch(ID_PATTERN, path.stem):
        # The file name is the id and the page's name: refuse look-alike, invisible and path characters in it.
        message, fix = id_problem(path.stem, "a valid id")
        problems.append(Problem(rel, 1, "(file)", "the file name " + message, f"rename the file: it is the case study's id, so {fix}"))
    elif path.stem in RESERVED_IDS:
        problems.append(
            Problem(rel, 1, "(file)", f"the id {path.stem!r} is the name of a page the book makes in cases/ (the catalogue is cases/index.html, the A to Z list is cases/list/)", f"rename the file and its id, e.g. to {path.stem}-<place>")
        )
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
        problems.extend(_partial_checks(data, path.stem, rel, loaded, vocabularies, bib))
        return RecordResult(path, None, sorted(set(problems)), loaded)
    for loc, message, fix in semantic_problems(record, path.stem, vocabularies, bib):
        problems.append(Problem(rel, loaded.line_of(loc), field_name(loc), message, fix))
    return RecordResult(path, None if problems else record, problems, loaded)


def _partial_checks(data, stem, rel, loaded, vocabularies, bib):
    """Vocabulary and citation checks on a record that failed the schema: validate what is well formed."""
    out = []
    if data.get("id") is not None and data.get("id") != stem and isinstance(data.get("id"), str) and re.fullmatch(ID_PATTERN, stem):
        out.append(Problem(rel, loaded.line_of(("id",)), "id", f"is {data['id']!r} but the file is {stem}.yml", f"make them the same: rename the file to {data['id']}.yml or set id: {stem}"))
    for field, vocab_name in (("themes", "themes"), ("model", "models"), ("level", "levels")):
        values = data.get(field)
        for i, value in (enumerate(values) if isinstance(values, list) else [(None, values)]):
            vocab = vocabularies.get(vocab_name)
            found = vocabulary_problem(vocab, value) if isinstance(value, str) and vocab is not None and vocab.usable else None
            if found:
                loc = (field,) if i is None else (field, i)
                out.append(Problem(rel, loaded.line_of(loc), field_name(loc), *found))
    if bib is not None and isinstance(data.get("sources"), list):
        for i, source in enumerate(data["sources"]):
            key = source.get("key") if isinstance(source, dict) else None
            found = citation_problem(bib, key) if isinstance(key, str) else None
            if found:
                out.append(Problem(rel, loaded.line_of(("sources", i, "key")), f"sources[{i}].key", *found))
    return out


def validate_data_file(path: Path, rel: str, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem], LoadedYaml]:
    """Validate a YAML file in data/ (framework, glossary term, checklist) against its model."""
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
    if hasattr(obj, "id") and path.stem != obj.id and path.name != "integration-checklist.yml":
        problems.append(Problem(rel, loaded.line_of(("id",)), "id", f"is {obj.id!r} but the file is {path.name}", f"make them the same: set id: {path.stem}"))
    return obj, problems, loaded
