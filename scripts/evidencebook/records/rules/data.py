"""Rules for the structured data in data/: frameworks, glossary terms, the checklist and the reading list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..bib import Bibliography
from ..problems import Problem, citation_problem, field_name, unknown_id_fix, vocabulary_problem
from ..reference_schema import CHECKLIST_RESERVED_PREFIXES, Checklist, Framework, GlossaryTerm, ReadingList
from ..schema import SourceRef
from ..yamlsafe import LoadedYaml
from .record import vocabulary_fields
from .registry import rule


@dataclass(frozen=True)
class DataInput:
    """Scope "data-file": one file of data/ that passed its schema; lists of these for the scopes of a kind."""

    path: Path
    rel: str
    obj: Any  # the validated model: Framework, GlossaryTerm, Checklist or ReadingList
    loaded: LoadedYaml
    bibliography: Bibliography
    vocabularies: dict | None = None  # name -> Vocabulary, for fields that take terms (framework and checklist items' factors)

    def problem(self, loc: tuple, message: str, fix: str) -> Problem:
        return Problem(self.rel, self.loaded.line_of(loc), field_name(loc), message, fix)


@dataclass(frozen=True)
class GlossaryInput:
    """Scope "glossary": every glossary term that passed its schema, and the ids of all term files."""

    terms: list[DataInput]
    ids: set[str]  # a term with a problem of its own still counts as existing


@dataclass(frozen=True)
class ChecklistInput:
    """Scope "checklist": the checklist and the ids of every framework item."""

    file: DataInput
    framework_item_ids: set[str]


def source_refs(obj, path=()):
    """Yield (path, SourceRef) for every source reference inside a validated model."""
    if isinstance(obj, SourceRef):
        yield path, obj
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from source_refs(item, (*path, i))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from source_refs(getattr(obj, name), (*path, name))


# --- each file ---------------------------------------------------------------------------------------


@rule("data-id-matches-file-name", "data-file", "A framework's or glossary term's `id` is its file name without .yml.")
def data_id_matches_file_name(data: DataInput):
    obj = data.obj
    if isinstance(obj, (Framework, GlossaryTerm)) and data.path.stem != obj.id:
        yield data.problem(("id",), f"is {obj.id!r} but the file is {data.path.name}", f"make them the same: set id: {data.path.stem}")


@rule("data-citation-key-known", "data-file", "Every source the data cites (`source.key`) is a key in references.bib.")
def data_citation_key_known(data: DataInput):
    for loc, ref in source_refs(data.obj):
        found = citation_problem(data.bibliography, ref.key)
        if found:
            yield data.problem((*loc, "key"), *found)


@rule("data-vocabulary-term-known", "data-file", "Every vocabulary-controlled value in data/ (framework items' and checklist items' `factors`) is a term of its vocabulary.")
def data_vocabulary_term_known(data: DataInput):
    for loc, value, name, is_unit in vocabulary_fields(data.obj):
        vocab = (data.vocabularies or {}).get(name)
        # framework_items are checked by the rules of the checklist; a vocabulary with a problem reports it itself.
        found = vocabulary_problem(vocab, value, is_unit) if vocab is not None and vocab.usable and vocab.path else None
        if found:
            yield data.problem(loc, *found)


# --- frameworks and glossary ---------------------------------------------------------------------------


@rule("framework-item-id-unique", "frameworks", "A framework item id is unique across all frameworks.")
def framework_item_id_unique(frameworks: list[DataInput]):
    seen: dict[str, str] = {}
    for data in frameworks:
        for i, item in enumerate(data.obj.items):
            if item.id in seen:
                yield data.problem(
                    ("items", i, "id"),
                    f"{item.id!r} is also an item of {seen[item.id]}",
                    "framework item ids are unique across all frameworks: prefix it with the framework's short name",
                )
            seen[item.id] = data.rel


@rule("glossary-term-unique", "glossary", "Each term is defined once, ignoring case (Sphinx matches glossary terms so).")
def glossary_term_unique(glossary: GlossaryInput):
    names: dict[str, str] = {}
    for data in glossary.terms:
        term: GlossaryTerm = data.obj
        key = term.term.casefold()
        if key in names:
            yield data.problem(("term",), f"{term.term!r} is also the term of {names[key]}", "a term is defined once: merge the definitions into that file and delete this one")
        names.setdefault(key, data.rel)


@rule("glossary-see-also-known", "glossary", "Every id in `see_also` is the id of a glossary term.")
def glossary_see_also_known(glossary: GlossaryInput):
    for data in glossary.terms:
        for i, other in enumerate(data.obj.see_also):
            if other not in glossary.ids:
                yield data.problem(
                    ("see_also", i),
                    f"{other!r} is not the id of any glossary term",
                    unknown_id_fix(other, glossary.ids, "use the file name of a term in data/glossary/ without .yml"),
                )


# --- the checklist --------------------------------------------------------------------------------------


def _checklist_ids(checklist: Checklist):
    """(location, id) of every theme, area and item: a saved self-assessment is keyed by these ids."""
    for t, theme in enumerate(checklist.themes):
        yield ("themes", t), theme.id
        for a, area in enumerate(theme.areas):
            yield ("themes", t, "areas", a), area.id
            for i, item in enumerate(area.items):
                yield ("themes", t, "areas", a, "items", i), item.id


@rule("checklist-framework-item-known", "checklist", "Every id in an area's `framework_items` is the id of a framework item.")
def checklist_framework_item_known(checklist: ChecklistInput):
    for t, theme in enumerate(checklist.file.obj.themes):
        for a, area in enumerate(theme.areas):
            for k, item_id in enumerate(area.framework_items):
                if item_id not in checklist.framework_item_ids:
                    yield checklist.file.problem(
                        ("themes", t, "areas", a, "framework_items", k),
                        f"{item_id!r} is not the id of any framework item",
                        unknown_id_fix(item_id, checklist.framework_item_ids, "use an item id from data/frameworks/*.yml"),
                    )


@rule("checklist-id-not-reserved", "checklist", "No checklist id starts with a prefix the checklist page uses for ids of its own.")
def checklist_id_not_reserved(checklist: ChecklistInput):
    for loc, entry_id in _checklist_ids(checklist.file.obj):
        reserved = next((p for p in CHECKLIST_RESERVED_PREFIXES if entry_id.startswith(p)), None)
        if reserved:
            yield checklist.file.problem(
                (*loc, "id"),
                f"{entry_id!r} starts with {reserved!r}, which the checklist page uses for ids of its own",
                "choose an id that does not start with " + ", ".join(CHECKLIST_RESERVED_PREFIXES) + " (e.g. the area's id and a number)",
            )


@rule("checklist-id-unique", "checklist", "Ids of the checklist's themes, areas and items are unique.")
def checklist_id_unique(checklist: ChecklistInput):
    seen: set[str] = set()
    for loc, entry_id in _checklist_ids(checklist.file.obj):
        if entry_id in seen:
            yield checklist.file.problem((*loc, "id"), f"{entry_id!r} is used twice in the checklist", "ids of themes, areas and items are unique: rename one")
        seen.add(entry_id)


# --- the reading list ------------------------------------------------------------------------------------


@rule("reading-list-topic-unique", "reading-list", "Each topic of the reading list is defined once.")
def reading_list_topic_unique(data: DataInput):
    seen: set[str] = set()
    for i, topic in enumerate(data.obj.topics):
        if topic.id in seen:
            yield data.problem(("topics", i, "id"), f"the topic {topic.id!r} is defined twice", "topic ids are unique: rename or merge one")
        seen.add(topic.id)


@rule("reading-list-work-known", "reading-list", "Every work under `works` is a key in references.bib.")
def reading_list_work_known(data: DataInput):
    for key in data.obj.works:
        found = citation_problem(data.bibliography, key)
        if found:
            yield Problem(data.rel, data.loaded.line_of(("works", key)), f"works.{key}", *found)


@rule("reading-list-topic-known", "reading-list", "Every topic a work or `most_cited_topic` names is defined under `topics`.")
def reading_list_topic_known(data: DataInput):
    reading: ReadingList = data.obj
    topic_ids = {topic.id for topic in reading.topics}
    named = [(("works", key), topic_id) for key, topic_id in reading.works.items()]
    for loc, topic_id in [*named, (("most_cited_topic",), reading.most_cited_topic)]:
        if topic_id not in topic_ids:
            yield data.problem(
                loc,
                f"{topic_id!r} is not a topic defined under `topics`",
                unknown_id_fix(topic_id, topic_ids, "use the id of a topic, or add the topic"),
            )
