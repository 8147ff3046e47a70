"""`evidencebook new`: start a case-study record with a valid, unused id and a guide to what is left.

The new file is in the canonical layout (fix.py) with a comment above each field saying what it
means and which values it takes. What the contributor knows at the start (title, place, country,
region, level) is filled in; every other required field is left empty, so that `make validate`
lists exactly what is still to do. Nothing is ever invented: no example value is left in the file.

`--from <id>` starts from an existing record, for a sibling case from the same document: it keeps
the place (unless a new one is given), level, model, themes, evidence type and the citation keys of
the sources, and clears what belongs to the original case alone: summary, outcomes, examples,
organisations, period, the evidence appraisal, the sources' locators, framework items, related ids,
links and lessons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from ..records.bib import load_bibliography
from ..records.schema import ID_MAX_LENGTH, ID_PATTERN, CaseStudy, Evidence, Period, Place, SourceRef
from ..records.validate import field_name, validate_record_file, vocabulary_problem
from ..records.vocabularies import load_vocabularies
from ..records.yamlsafe import load_yaml_file
from .derive import _allowed
from .fix import dump_canonical

# Kept from the record given to --from; every other field is cleared (see the module docstring).
KEPT_BY_FROM = ("place", "level", "model", "themes", "evidence.type", "sources[].key")


class ScaffoldError(Exception):
    """A reason not to write the file, phrased as what to do instead."""


# Apostrophes join a word ("Care's" -> "cares") and "&" reads as "and"; python-slugify would make
# "care-s" and drop the "&".
_ID_REPLACEMENTS = [["&", " and "], ["'", ""], ["\u2019", ""]]


def id_from_title(title: str, max_length: int = ID_MAX_LENGTH) -> str:
    """'Wigan Deal: a new relationship (2011–)' -> 'wigan-deal-a-new-relationship-2011'; 'Łódź' -> 'lodz'.

    Letters of any script are transliterated (python-slugify, via text-unidecode); what has no ASCII
    spelling (emoji, symbols) is dropped, so the result may be '' (the caller then asks for --id).
    Only new records get ids this way: an existing record's id is in its file and never recomputed."""
    # save_order: cut at the first word that does not fit (without it, later short words are kept after a gap).
    return slugify(
        title, max_length=max_length, word_boundary=True, save_order=True, replacements=_ID_REPLACEMENTS
    )


@dataclass
class Scaffolded:
    path: Path
    record_id: str
    todo: list[str]  # the validator's messages for what is still to fill in


def _check_term(vocabularies, vocab_name: str, value: str, option: str) -> None:
    found = vocabulary_problem(vocabularies[vocab_name], value)
    if found:
        message, fix = found
        raise ScaffoldError(f"--{option}: {message} — {fix}")


def _comments(vocabularies) -> dict[tuple, list[str]]:
    """A short guide above each field: meaning, whether required, allowed values."""
    out: dict[tuple, list[str]] = {}

    def describe(path: tuple, model, name: str) -> None:
        info = model.model_fields[name]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        need = "required" if info.is_required() else "optional"
        lines = [f"{name} ({need}): {info.description or ''}"]
        allowed = _allowed(extra.get("vocabulary"), vocabularies)
        if allowed:
            lines.append(f"  allowed: {allowed}")
        out[path] = lines

    for name in CaseStudy.model_fields:
        describe((name,), CaseStudy, name)
    for name in Place.model_fields:
        describe(("place", name), Place, name)
    for name in Evidence.model_fields:
        describe(("evidence", name), Evidence, name)
    for name in Period.model_fields:
        describe(("period", name), Period, name)
    out[("period", "start")][0] += " Write null when the sources do not say."

    out[("id",)] = [
        "Fill in the fields left empty below, run `make validate` until it reports no problem, then",
        "`make fix`, which also removes these guide comments. Every field is explained in",
        "CONTRIBUTING.md; case_studies/_template.yml shows a filled-in example of each.",
        "",
        *out[("id",)],
    ]
    out[("sources",)] += [
        "  key: the work's key in references.bib (add the work there first if it is new);",
        f"  locator: {SourceRef.model_fields['locator'].description}",
    ]
    out[("outcomes",)] += ["  one entry per figure; see the outcomes example in case_studies/_template.yml"]
    out[("summary",)] += [
        "  write it as a block: `summary: |` and then the text on the lines below, indented two spaces"
    ]
    return out


def new_record_data(
    title: str,
    record_id: str,
    place: str | None,
    country: str | None,
    region: str | None,
    level: str | None,
    base: dict | None = None,
) -> dict:
    if base is None:
        place_data = {"name": place, "country": country or "england"}
        if region:
            place_data["region"] = region
        base_kept = {
            "place": place_data,
            "level": level or "place",
            "model": [],
            "themes": [],
            "evidence_type": "",
            "source_keys": [""],
        }
    else:
        place_data = dict(base.get("place") or {})
        if place:
            place_data["name"] = place
        if country:
            place_data["country"] = country
            if country != "england":
                place_data.pop("region", None)
        if region:
            place_data["region"] = region
        evidence = base.get("evidence") if isinstance(base.get("evidence"), dict) else {}
        keys = [s.get("key", "") for s in base.get("sources") or [] if isinstance(s, dict)] or [""]
        base_kept = {
            "place": place_data,
            "level": level or base.get("level", "place"),
            "model": list(base.get("model") or []),
            "themes": list(base.get("themes") or []),
            "evidence_type": evidence.get("type", ""),
            "source_keys": keys,
        }
    return {
        "id": record_id,
        "title": title,
        "place": base_kept["place"],
        "level": base_kept["level"],
        "period": {"start": None, "end": None},
        "organisations": [],
        "model": base_kept["model"],
        "themes": base_kept["themes"],
        "summary": "",
        "outcomes": [],
        "evidence": {"type": base_kept["evidence_type"], "appraisal": ""},
        "sources": [{"key": key, "locator": ""} for key in base_kept["source_keys"]],
        "related": [],
        "links": [],
    }


def scaffold(
    root: Path,
    title: str,
    place: str | None = None,
    country: str | None = None,
    region: str | None = None,
    level: str | None = None,
    from_id: str | None = None,
    record_id: str | None = None,
) -> Scaffolded:
    title = " ".join((title or "").split())
    if not title:
        raise ScaffoldError('the title is empty — give one, e.g. evidencebook new "Wigan Deal" --place Wigan')
    vocabularies = load_vocabularies(root / "data")
    for option, vocab, value in (
        ("country", "countries", country),
        ("region", "regions", region),
        ("level", "levels", level),
    ):
        if value:
            _check_term(vocabularies, vocab, value, option)
    case_dir = root / "case_studies"
    base = None
    if from_id:
        source = next(
            (p for p in (case_dir / f"{from_id}.yml", case_dir / f"{from_id}.yaml") if p.exists()), None
        )
        if source is None:
            known = sorted(p.stem for p in case_dir.glob("[!_]*.y*ml"))
            import difflib

            close = difflib.get_close_matches(from_id, known, n=1, cutoff=0.6)
            raise ScaffoldError(
                f"--from: there is no record {from_id!r}"
                + (
                    f" — did you mean {close[0]!r}?"
                    if close
                    else " — give the file name of a record in case_studies/ without .yml"
                )
            )
        loaded = load_yaml_file(source)
        if loaded.problems or not isinstance(loaded.data, dict):
            raise ScaffoldError(
                f"--from: case_studies/{source.name} cannot be read — run `make validate` to see why"
            )
        base = loaded.data
    elif not (place or "").strip():
        raise ScaffoldError('the place is missing — add --place "Name" (the town, county, system or country)')
    if record_id is not None and not (
        re.fullmatch(ID_PATTERN, record_id) and len(record_id) <= ID_MAX_LENGTH
    ):
        raise ScaffoldError(
            f"--id: {record_id!r} is not an id — use at most {ID_MAX_LENGTH} lowercase letters, digits and "
            "single hyphens, e.g. --id wigan-deal"
        )
    record_id = record_id or id_from_title(title)
    if not record_id:
        raise ScaffoldError(
            f"cannot make an id from {title!r}: it has no letters or digits with an ASCII spelling "
            "(emoji and symbols have none) — pass one with --id, e.g. --id wigan-deal"
        )
    taken = [p for p in (case_dir / f"{record_id}.yml", case_dir / f"{record_id}.yaml") if p.exists()]
    if taken:
        raise ScaffoldError(
            f"case_studies/{taken[0].name} already exists, and is never overwritten — "
            f"edit that file, or choose another id with --id (e.g. --id {_alternative_id(record_id, place)})"
        )
    data = new_record_data(title, record_id, (place or "").strip() or None, country, region, level, base)
    path = case_dir / f"{record_id}.yml"
    text = dump_canonical(data, comments=_comments(vocabularies))
    with open(path, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    return Scaffolded(path, record_id, todo_for(root, path))


def _alternative_id(record_id: str, place: str | None) -> str:
    place_slug = id_from_title(place or "")
    return f"{record_id}-{place_slug}" if place_slug and place_slug not in record_id else f"{record_id}-2"


def todo_for(root: Path, path: Path) -> list[str]:
    """What is left to fill in: the validator's messages for the file."""
    from ..records.kb import load_structured_data
    from ..records.vocab import framework_items_vocabulary

    vocabularies = load_vocabularies(root / "data")
    bib = load_bibliography(root / "references.bib")
    frameworks = load_structured_data(root, bib)[0]
    vocabularies["framework_items"] = framework_items_vocabulary(frameworks)
    rel = path.relative_to(root).as_posix()
    result = validate_record_file(path, rel, vocabularies, bib)
    todo = [str(p) for p in result.problems]
    # The schema stops at the first layer of problems; an empty field it has not reached yet is still to do.
    reported = {p.field for p in result.problems}
    if result.loaded is not None and isinstance(result.loaded.data, dict):
        for loc, _value in _empty_fields(result.loaded.data):
            name = field_name(loc)
            if name not in reported:
                todo.append(f"{rel}:{result.loaded.line_of(loc)}: {name}: is empty — fill it in")
    return todo


def _empty_fields(data, path: tuple = ()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _empty_fields(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _empty_fields(value, (*path, i))
    elif data == "":
        yield path, data
