"""Rules for case-study records: their file names, each record, and all records together."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..bib import Bibliography
from ..problems import Problem, citation_problem, field_name, id_problem, unknown_id_fix, vocabulary_problem
from ..schema import ID_PATTERN, RESERVED_IDS, CaseStudy
from ..yamlsafe import LoadedYaml
from .registry import rule


@dataclass(frozen=True)
class RecordName:
    """Scope "record-file": a file in case_studies/, before it is read."""

    path: Path
    rel: str


@dataclass(frozen=True)
class RecordInput:
    """Scope "record": one record file read as YAML. `record` is the validated record, or None for a
    draft (a record that failed the schema), whose well-formed parts the draft checks read from `data`."""

    rel: str
    stem: str
    data: dict
    record: CaseStudy | None
    loaded: LoadedYaml
    vocabularies: dict
    bibliography: Bibliography | None

    def problem(self, loc: tuple, message: str, fix: str) -> Problem:
        return Problem(self.rel, self.loaded.line_of(loc), field_name(loc), message, fix)


# A record's lists of case-study ids, checked against the other records (scope "records").
ID_LIST_FIELDS = ("related", "previous_ids")


@dataclass(frozen=True)
class ListedId:
    """A well-formed id in a list of ids of a record file: its position in the list, the id and its line."""

    index: int
    value: str
    line: int


@dataclass(frozen=True)
class RecordEntry:
    """Scope "records" (a list of these): a record file, its record if valid, and the well-formed ids of its
    lists of ids (ID_LIST_FIELDS) by field, read even from a record with problems."""

    rel: str
    stem: str
    record: CaseStudy | None
    id_lists: dict[str, list[ListedId]]

    def problem(self, field: str, listed: ListedId, message: str, fix: str) -> Problem:
        return Problem(self.rel, listed.line, f"{field}[{listed.index}]", message, fix)


# --- file names ------------------------------------------------------------------------------------


@rule("file-name-is-an-id", "record-file", "A record's file name is a valid id (it is the id and the name of its page).")
def file_name_is_an_id(name: RecordName):
    if not re.fullmatch(ID_PATTERN, name.path.stem):
        # Refuse look-alike, invisible and path characters in what becomes a page's name.
        message, fix = id_problem(name.path.stem, "a valid id")
        yield Problem(name.rel, 1, "(file)", "the file name " + message, f"rename the file: it is the case study's id, so {fix}")


@rule("file-name-not-reserved", "record-file", "A record's file name is not the name of a page the book makes in cases/.")
def file_name_not_reserved(name: RecordName):
    stem = name.path.stem
    if stem in RESERVED_IDS:
        yield Problem(
            name.rel,
            1,
            "(file)",
            f"the id {stem!r} is the name of a page the book makes in cases/ (the catalogue is cases/index.html, the A to Z list is cases/list/, the outcomes comparison cases/outcomes.html)",
            f"rename the file and its id, e.g. to {stem}-<place>",
        )


# --- each record -------------------------------------------------------------------------------------


def _id_mismatch(item: RecordInput, record_id: Any):
    # A bad file name is reported on its own, by file-name-is-an-id.
    if isinstance(record_id, str) and record_id != item.stem and re.fullmatch(ID_PATTERN, item.stem):
        yield item.problem(
            ("id",),
            f"is {record_id!r} but the file is {item.stem}.yml",
            f"make them the same: rename the file to {record_id}.yml or set id: {item.stem}",
        )


def _id_matches_draft(item: RecordInput):
    yield from _id_mismatch(item, item.data.get("id"))


@rule("id-matches-file-name", "record", "A record's `id` is its file name without .yml.", draft=_id_matches_draft)
def id_matches_file_name(item: RecordInput):
    yield from _id_mismatch(item, item.record.id)


def vocabulary_fields(model: BaseModel, path: tuple = ()):
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
                yield from vocabulary_fields(item, (*path, name, i) if isinstance(value, list) else (*path, name))


def _vocabulary_problem(item: RecordInput, loc: tuple, value: Any, name: str, is_unit: bool = False):
    vocab = item.vocabularies.get(name)
    # A vocabulary with a problem of its own is not `usable`: its problem is reported instead of one per record.
    found = vocabulary_problem(vocab, value, is_unit) if vocab is not None and vocab.usable else None
    return item.problem(loc, *found) if found else None


# The vocabulary fields checked in a draft: the ones a reader filters by, read from the raw mapping.
DRAFT_VOCABULARY_FIELDS = (("themes", "themes"), ("model", "models"), ("level", "levels"))


def _vocabulary_draft(item: RecordInput):
    for field, vocab_name in DRAFT_VOCABULARY_FIELDS:
        values = item.data.get(field)
        for i, value in enumerate(values) if isinstance(values, list) else [(None, values)]:
            found = _vocabulary_problem(item, (field,) if i is None else (field, i), value, vocab_name) if isinstance(value, str) else None
            if found:
                yield found


@rule("vocabulary-term-known", "record", "Every vocabulary-controlled value is a term of its vocabulary (units: a unit, optionally 'per ...').", draft=_vocabulary_draft)
def vocabulary_term_known(item: RecordInput):
    for loc, value, name, is_unit in vocabulary_fields(item.record):
        found = _vocabulary_problem(item, loc, value, name, is_unit)
        if found:
            yield found


@rule("no-repeated-entries", "record", "`themes`, `model`, `organisations`, `illustrates`, `related`, `previous_ids` and each lesson's `factors` list each value once.")
def no_repeated_entries(item: RecordInput):
    names = ("themes", "model", "organisations", "illustrates", "related", "previous_ids")
    lists = [((name,), getattr(item.record, name)) for name in names]
    lists += [(("lessons", k, "factors"), lesson.factors) for k, lesson in enumerate(item.record.lessons)]
    for loc, values in lists:
        for i, value in enumerate(values):
            if value in values[:i]:
                yield item.problem((*loc, i), f"lists {value!r} twice", "remove the repeat")


@rule("region-given-in-england", "record", "A case study in England below national level names its English region.")
def region_given_in_england(item: RecordInput):
    record = item.record
    if record.place.country == "england" and record.level != "national" and record.place.region is None:
        yield item.problem(("place", "region"), "is missing for a case study in England", "add the English region, e.g. region: north-west")


@rule("region-only-in-england", "record", "`place.region` is given only for case studies in England.")
def region_only_in_england(item: RecordInput):
    place = item.record.place
    if place.region is not None and place.country != "england":
        yield item.problem(("place", "region"), f"is given but the country is {place.country!r}", "regions apply to England only: remove region")


@rule("period-in-order", "record", "A period does not start after it ends.")
def period_in_order(item: RecordInput):
    period = item.record.period
    if period.start and period.end and period.start > period.end:
        yield item.problem(("period",), f"starts ({period.start}) after it ends ({period.end})", "swap start and end")


@rule("related-not-self", "record", "`related` does not list the case study itself.")
def related_not_self(item: RecordInput):
    if item.record.id in item.record.related:
        yield item.problem(("related",), "lists the case study itself", "remove its own id")


# The outcome kinds that are about whether there is a number: a measured result gives one, a reported
# change (a result the source states in words) has none.
MEASURED = "measured"
REPORTED_CHANGE = "reported-change"


@rule("measured-outcome-has-value", "record", "A `measured` outcome gives its figure in `value`; a result reported without one is `reported-change`.")
def measured_outcome_has_value(item: RecordInput):
    for i, outcome in enumerate(item.record.outcomes):
        if outcome.kind == MEASURED and outcome.value is None:
            yield item.problem(
                ("outcomes", i, "kind"),
                "is measured but the outcome has no value",
                "give the figure the source reports in `value` (with its `unit`), or, if the source reports the "
                f"result without a number, set kind: {REPORTED_CHANGE}",
            )


@rule("reported-change-has-no-value", "record", "A `reported-change` outcome has no `value`: an outcome with a figure is measured, modelled, a target or context.")
def reported_change_has_no_value(item: RecordInput):
    for i, outcome in enumerate(item.record.outcomes):
        if outcome.kind == REPORTED_CHANGE and outcome.value is not None:
            yield item.problem(
                ("outcomes", i, "kind"),
                f"is {REPORTED_CHANGE} but the outcome gives a value",
                f"a result with a figure is {MEASURED} (or modelled-estimate, target or context): change the kind, or remove the value if the source gives none",
            )


def _citation_keys(record: CaseStudy):
    for i, source in enumerate(record.sources):
        yield ("sources", i, "key"), source.key
    for i, outcome in enumerate(record.outcomes):
        if outcome.source is not None:
            yield ("outcomes", i, "source", "key"), outcome.source.key
    for i, example in enumerate(record.examples):
        yield ("examples", i, "source", "key"), example.source.key
    for i, lesson in enumerate(record.lessons):
        yield ("lessons", i, "source", "key"), lesson.source.key


def _citation_problems(item: RecordInput, keyed):
    if item.bibliography is None:
        return
    for loc, key in keyed:
        found = citation_problem(item.bibliography, key) if isinstance(key, str) else None
        if found:
            yield item.problem(loc, *found)


def _citation_draft(item: RecordInput):
    sources = item.data.get("sources")
    keyed = [
        (("sources", i, "key"), source.get("key") if isinstance(source, dict) else None)
        for i, source in enumerate(sources if isinstance(sources, list) else [])
    ]
    yield from _citation_problems(item, keyed)


@rule("citation-key-known", "record", "Every source a record cites (sources, outcomes, examples, lessons) is a key in references.bib.", draft=_citation_draft)
def citation_key_known(item: RecordInput):
    yield from _citation_problems(item, _citation_keys(item.record))


# --- all records together -----------------------------------------------------------------------------


@rule("id-unique", "records", "No two record files share an id (say sample.yml and sample.yaml).")
def id_unique(entries: list[RecordEntry]):
    first: dict[str, str] = {}
    for entry in entries:
        if entry.stem in first:
            yield Problem(entry.rel, 1, "id", f"{entry.stem!r} is also used by {first[entry.stem]}", "ids are unique: rename one of the files and its id")
        first.setdefault(entry.stem, entry.rel)


@rule("related-id-known", "records", "Every id in `related` is the id of a case study.")
def related_id_known(entries: list[RecordEntry]):
    known = {entry.stem for entry in entries}
    for entry in entries:
        if entry.record is None:
            continue
        for listed in entry.id_lists["related"]:
            other = listed.value
            if other not in known:
                yield entry.problem(
                    "related",
                    listed,
                    f"{other!r} is not the id of any case study",
                    unknown_id_fix(other, known, "use the file name of a record in case_studies/ without .yml"),
                )


# --- previous ids: each old address redirects to exactly one case page ---------------------------------
# Checked on every record file, valid or not, so that one run reports every clash at once.


def _previous_ids(entries: list[RecordEntry]):
    """(entry, listed id) for every well-formed previous id of every record file."""
    for entry in entries:
        for listed in entry.id_lists["previous_ids"]:
            yield entry, listed


@rule("previous-id-not-own-id", "records", "`previous_ids` does not list the case study's own id.")
def previous_id_not_own_id(entries: list[RecordEntry]):
    for entry, listed in _previous_ids(entries):
        if listed.value == entry.stem:
            yield entry.problem("previous_ids", listed, "lists the case study's own id", "remove it: previous_ids lists only the ids it had before")


@rule("previous-id-not-reserved", "records", "No id in `previous_ids` is the name of a page the book makes in cases/.")
def previous_id_not_reserved(entries: list[RecordEntry]):
    for entry, listed in _previous_ids(entries):
        if listed.value in RESERVED_IDS:
            yield entry.problem(
                "previous_ids",
                listed,
                f"{listed.value!r} is the name of a page the book makes in cases/, which a redirect would overwrite",
                "remove it: no case study ever had this id",
            )


@rule("previous-id-not-a-current-id", "records", "No id in `previous_ids` is the id of a case study: its address is that case study's page, so it cannot redirect.")
def previous_id_not_a_current_id(entries: list[RecordEntry]):
    current = {entry.stem: entry.rel for entry in entries}
    for entry, listed in _previous_ids(entries):
        old = listed.value
        if old in current and old != entry.stem:  # its own id is previous-id-not-own-id's
            yield entry.problem(
                "previous_ids",
                listed,
                f"{old!r} is the id of the case study in {current[old]}, so its address cannot redirect here",
                f"remove {old!r} from previous_ids, or rename that case study first (and list {old!r} in its previous_ids if it moved there)",
            )


@rule("previous-id-listed-once", "records", "No id is in the `previous_ids` of two case studies: an old address redirects to one page.")
def previous_id_listed_once(entries: list[RecordEntry]):
    first: dict[str, str] = {}
    for entry, listed in _previous_ids(entries):
        old = listed.value
        if old in first and first[old] != entry.rel:
            yield entry.problem(
                "previous_ids",
                listed,
                f"{old!r} is also a previous id of {first[old]}; an old address can redirect to one page only",
                "keep it in the record of the case study the old page became, and remove it here",
            )
        first.setdefault(old, entry.rel)
