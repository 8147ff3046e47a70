"""The shape of the SQLite database, read from the record schema: one table per model, columns from fields.

A model's scalar fields become columns; a nested model (a case study's `place`) becomes columns with
its field name as prefix (`place_name`); a list becomes a child table keyed by its parent's key and the
item's number in the list (a case study's `outcomes` become `outcomes`, keyed by case study id and
outcome number). Every column carries the description its field declares, so the database documents
itself from the one schema, and a field added to the schema reaches the database without a change here.

Table and column names come only from the schema's field names and the names below, never from a file a
pull request can change; values always go in as parameters.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel

from ..records.schema import SourceRef, inner_model, vocabulary_of

# A child table's name and the name of its item-number column, where the default (the parent's singular,
# the field: case_study_themes, numbered `position`) reads worse.
CHILD_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("case_studies", "outcomes"): ("outcomes", "outcome"),
    ("case_studies", "examples"): ("examples", "example"),
    ("case_studies", "sources"): ("case_study_sources", "source"),
    ("case_studies", "links"): ("case_study_links", "link"),
    ("case_studies", "lessons"): ("lessons", "lesson"),
    ("frameworks", "items"): ("framework_items", "position"),
    ("glossary_terms", "definitions"): ("glossary_definitions", "definition"),
    ("checklists", "themes"): ("checklist_themes", "position"),
    ("checklist_themes", "areas"): ("checklist_areas", "position"),
    ("checklist_areas", "items"): ("checklist_items", "position"),
}
# What a column refers to, where that is not a vocabulary the field names.
REFERENCES: dict[tuple[type[BaseModel] | str, str], str] = {
    (SourceRef, "key"): "works(key)",
    ("case_studies", "related"): "case_studies(id)",
    ("glossary_terms", "see_also"): "glossary_terms(id)",
}
# The value column of a list of plain values, where the field's singular would mislead.
VALUE_COLUMNS = {"related": "related_case_study_id", "see_also": "related_term_id", "illustrates": "framework_item"}
NUMBER_DESCRIPTION = "The item's place in its list in the source file, from 1."


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # TEXT, INTEGER or NUMERIC
    description: str
    not_null: bool = False
    references: str | None = None  # "table(column)"
    allowed: tuple[str, ...] = ()  # the only values the schema allows (a Literal field), else any


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    primary_key: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)
    label_column: str | None = None  # what Datasette shows for a row another table refers to
    parent: tuple[tuple[str, ...], str] | None = None  # (key columns, parent table) when the key has several columns

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _strip(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without Annotated and Optional, whether None was allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0] if len(args) == 1 else str
        else:
            return annotation, optional


def allowed_values(annotation: Any) -> tuple[str, ...]:
    """The values a Literal field allows, in the schema's order (empty for any other field)."""
    base, _ = _strip(annotation)
    return tuple(typing.get_args(base)) if typing.get_origin(base) is Literal else ()


def sql_type(annotation: Any) -> str:
    base, _ = _strip(annotation)
    if typing.get_origin(base) is Literal:
        return "TEXT"
    if base is bool or base is int:
        return "INTEGER"
    if base is float:
        return "NUMERIC"  # stores 15.0 as 15 and 2.5 as 2.5: figures read as the source prints them
    if base is str:
        return "TEXT"
    raise TypeError(f"no SQL type for {annotation!r}: say how to store it in publish/sqlshape.py")


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(_strip(annotation)[0]) is list


def _reference(model: type[BaseModel], table: str, name: str) -> str | None:
    explicit = REFERENCES.get((model, name)) or REFERENCES.get((table, name))
    if explicit:
        return explicit
    extra = model.model_fields[name].json_schema_extra
    if isinstance(extra, dict) and extra.get("vocabulary_prefix"):
        return None  # units: 'GBP per person' starts with a term but is not one
    vocab = vocabulary_of(model, name)
    return f"{vocab}(id)" if vocab else None


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


@dataclass
class Shape:
    """How one model's instances become rows: its table, a getter per column it fills, and its lists."""

    table: Table
    getters: list[typing.Callable[[BaseModel], Any]]
    numbered: bool  # the rows carry their number in the parent's list
    children: list[tuple[str, Shape]] = field(default_factory=list)
    plain_list: bool = False  # a list of plain values: one getter, the value itself

    def tables(self) -> list[Table]:
        found = [self.table]
        for _, child in self.children:
            found += child.tables()
        return found

    def add(self, item: Any, keys: tuple, number: int | None = None) -> None:
        """Add `item` (a model instance, or a plain value) and, below it, the rows of its lists."""
        own = keys + ((number,) if self.numbered else ())
        self.table.rows.append(own + tuple(get(item) for get in self.getters))
        if self.children:
            row_key = own if "id" not in self.table.column_names() else (item.id,)
            for name, child in self.children:
                for i, sub in enumerate(getattr(item, name) or [], start=1):
                    child.add(sub, row_key, i)


def _flattened(model: type[BaseModel], table: str, prefix: str, outer: str, getter) -> tuple[list[Column], list]:
    """Columns (and getters) for the scalar fields of `model`, nested models flattened with a prefix."""
    columns, getters = [], []
    for name, info in model.model_fields.items():
        sub = inner_model(info.annotation)
        description = " ".join(p for p in (outer, info.description or "") if p)
        get = (lambda n, g: (lambda item: getattr(g(item), n, None) if g(item) is not None else None))(name, getter)
        if _is_list(info.annotation):
            continue  # lists are child tables, made by shape()
        if sub is not None:
            more_cols, more_gets = _flattened(sub, table, f"{prefix}{name}_", description, get)
            columns += more_cols
            getters += more_gets
            continue
        _, optional = _strip(info.annotation)
        columns.append(
            Column(
                f"{prefix}{name}",
                sql_type(info.annotation),
                _text(description),
                not_null=not optional and not prefix and info.is_required(),
                references=_reference(model, table, name),
                allowed=allowed_values(info.annotation),
            )
        )
        getters.append(get)
    return columns, getters


def shape(model: type[BaseModel], table: str, description: str, keys: list[Column] | None = None, number: str | None = None) -> Shape:
    """The tables `model` and its lists become; `keys` are the parent's key columns, `number` the item-number column."""
    keys = list(keys or [])
    own, getters = _flattened(model, table, "", "", lambda item: item)
    number_col = [Column(number, "INTEGER", NUMBER_DESCRIPTION, not_null=True)] if number else []
    has_id = any(c.name == "id" for c in own)
    primary = ("id",) if has_id else tuple(c.name for c in keys + number_col)
    label = next((c.name for c in own if c.name in ("title", "name", "term", "label", "metric", "statement")), None)
    result = Shape(Table(table, description, keys + number_col + own, primary, label_column=label), getters, bool(number))
    parent_key = [Column(f"{singular(table)}_id", "TEXT", f"The {singular(table).replace('_', ' ')} this row belongs to.", True, f"{table}(id)")] if has_id else [
        Column(c.name, c.type, c.description, True, None) for c in keys + number_col
    ]
    composite = None if has_id else (tuple(c.name for c in parent_key), table)
    for name, info in model.model_fields.items():
        if not _is_list(info.annotation):
            continue
        child_name, child_number = CHILD_NAMES.get((table, name), (f"{singular(table)}_{name}", "position"))
        sub = inner_model(info.annotation)
        text = _text(info.description)
        if sub is not None:
            child = shape(sub, child_name, _text(f"{text} {sub.__doc__ or ''}"), parent_key, child_number)
            child.table.parent = composite
        else:
            vocab = vocabulary_of(model, name)
            value = VALUE_COLUMNS.get(name) or singular(vocab or name)
            item_type = typing.get_args(_strip(info.annotation)[0])[0]
            column = Column(value, sql_type(item_type), text, True, _reference(model, table, name))
            child = Shape(
                Table(child_name, text, parent_key + [Column(child_number, "INTEGER", NUMBER_DESCRIPTION, True), column],
                      tuple(c.name for c in parent_key) + (child_number,)),
                [lambda item: item], True, plain_list=True,
            )
            child.table.parent = composite
        result.children.append((name, child))
    return result
