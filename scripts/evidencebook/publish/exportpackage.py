"""The book's own exports as a Frictionless data package: data/evidence-book.datapackage.json in the site.

It describes case-studies.csv, outcomes.csv and lessons.csv, one lookup table per controlled vocabulary
(data/lookups/<vocabulary>.csv, written here) and the works cited (lookups/works.csv), and names the
SQLite database as a file. Nothing in it is written by hand: every column's type, description, keys and
references come from the tables the database is made of (sqlshape.py, database.py), which read them from
the record schema and the vocabularies, so the package, the database and the data dictionary's pages say
the same thing. A column of an export the database has under another name, or not at all, is declared in
EXPORTS below; a column nobody declared and the database has not is an error, so a field added to an
export cannot go undocumented.

Frictionless cannot check a reference from a cell holding several values: those columns (themes, models,
factors...) say in their description how the values are separated and which lookup table they come from.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..records.datasets import (
    DATABASE_FILE,
    DATABASE_METADATA_FILE,
    EXPORT_PACKAGE_FILE,
    LESSONS_FILE,
    LOOKUPS_DIR,
    DataPackage,
)
from ..records.kb import KnowledgeBase
from ..records.schema import VocabularyTerm
from .database import TITLE, knowledge_base_tables, vocabulary_tables, works_table
from .export import CASE_COLUMNS, LESSON_COLUMNS, LIST_SEPARATOR, OUTCOME_COLUMNS, number, to_csv
from .sqlshape import Column, Table

PACKAGE_NAME = "place-based-health-evidence-book"
# Frictionless types of the database's column types.
FIELD_TYPES = {"TEXT": "string", "INTEGER": "integer", "NUMERIC": "number"}
WORKS = "works"  # the lookup table of the works cited (references.bib), as the database calls it
MISSING = [""]  # an empty cell is a value the record does not give


@dataclass(frozen=True)
class ExportColumn:
    """How a column of a CSV export differs from the database column of the same name in its table."""

    source: str = ""  # "table.column" (or "table": its description) in the database, when not the same name
    joined: bool = False  # the cell joins a list of values with LIST_SEPARATOR (one a row in `source`'s table)
    by_label: bool = False  # the cell holds a vocabulary term's label, not its id
    description: str = ""  # for a column the database has not: what it holds
    note: str = ""  # added to the description, where the export says more than the record
    type: str = "string"  # for a column the database has not
    required: bool | None = None  # None: as the database column (NOT NULL)


@dataclass(frozen=True)
class Export:
    name: str  # the resource's name
    path: str  # the file, in the site's data/
    table: str  # the database table it corresponds to
    columns: tuple[str, ...]  # its header
    title: str
    description: str
    differs: dict[str, ExportColumn] = field(default_factory=dict)


EXPORTS = (
    Export(
        "case-studies",
        "case-studies.csv",
        "case_studies",
        CASE_COLUMNS,
        "Case studies",
        "One row per case study: what was done, where, by whom, under which model, on which themes, and how strong "
        "the evidence is. Vocabulary fields hold the term's id, except region and country, which hold its label. "
        "data/case-studies.json has the same records in full (every outcome, source, example and lesson).",
        {
            "url": ExportColumn(description="The address of the case study's page in the book."),
            "place": ExportColumn("case_studies.place_name", required=True),
            "region": ExportColumn("case_studies.place_region", by_label=True),
            "country": ExportColumn("case_studies.place_country", by_label=True, required=True),
            "organisations": ExportColumn("case_study_organisations.organisation", joined=True),
            "model": ExportColumn("case_study_model.model", joined=True),
            "themes": ExportColumn("case_study_themes.theme", joined=True),
            "evidence_type": ExportColumn(required=True),
            "evidence_appraisal": ExportColumn(required=True),
            "outcomes": ExportColumn(
                description="How many outcomes (figures) the case study records: its rows in outcomes.csv.",
                type="integer",
                required=True,
            ),
            "sources": ExportColumn(
                "case_study_sources",
                joined=True,
                note="Each is written as its citation key (the key column of lookups/works.csv) followed by its locator in brackets.",
            ),
            "related": ExportColumn("case_study_related.related_case_study_id", joined=True),
        },
    ),
    Export(
        "outcomes",
        "outcomes.csv",
        "outcomes",
        OUTCOME_COLUMNS,
        "Outcomes",
        "One row per outcome: every figure the sources give about a case study, with its unit, kind, domain, "
        "comparison, period and source. A figure the source does not give is an empty value with a note saying why.",
        {
            "unit": ExportColumn(note="The units are listed in lookups/units.csv (its id column)."),
            "source_key": ExportColumn(
                "case_study_sources.key", note="The outcome's own source or, when it has none, its case study's first source."
            ),
            "source_locator": ExportColumn("case_study_sources.locator", note="In the work source_key names."),
        },
    ),
    Export(
        "lessons",
        LESSONS_FILE,
        "lessons",
        LESSON_COLUMNS,
        "Lessons",
        "One row per lesson: what a source says helped or hindered a case study, how it worked, where it applies, "
        "and what it took or cost, with the factors it is about and where the source says it.",
        {
            "factors": ExportColumn("lesson_factors.factor", joined=True),
            "source_key": ExportColumn(required=True),
            "source_locator": ExportColumn(required=True),
        },
    ),
)


class ExportPackageError(ValueError):
    """The exports cannot be described: the message names the column and what to do."""


def lookup_path(table: str) -> str:
    return f"{LOOKUPS_DIR}/{table}.csv"


def _tables_by_name(kb: KnowledgeBase) -> dict[str, Table]:
    return {t.name: t for t in knowledge_base_tables(kb)}


def _column(tables: dict[str, Table], source: str) -> tuple[Table, Column | None]:
    table_name, _, column_name = source.partition(".")
    table = tables[table_name]
    if not column_name:
        return table, None
    return table, next(c for c in table.columns if c.name == column_name)


def _referenced(references: str | None, resources: dict[str, str]) -> tuple[str, str] | None:
    """(resource, field) a database reference `table(column)` points to in the package, if it is there."""
    if not references:
        return None
    table, column = references.rstrip(")").split("(")
    return (resources[table], column) if table in resources else None


def _export_fields(export: Export, tables: dict[str, Table], resources: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The fields of an export and its foreign keys."""
    own = {c.name: c for c in tables[export.table].columns}
    fields, keys = [], []
    for name in export.columns:
        how = export.differs.get(name, ExportColumn())
        if how.description:
            column, description, ftype = None, how.description, how.type
        elif how.source or name in own:
            table, column = _column(tables, how.source) if how.source else (tables[export.table], own[name])
            description = (column.description if column else table.description) or table.description
            ftype = "string" if how.joined or column is None else FIELD_TYPES[column.type]
        else:
            raise ExportPackageError(
                f"{export.path}: column {name!r} is not a column of the database table {export.table!r} and has no "
                "description: describe it in EXPORTS in publish/exportpackage.py"
            )
        target = _referenced(column.references if column else None, resources)
        notes = [how.note] if how.note else []
        if how.joined:
            separated = f"Several are separated by '{LIST_SEPARATOR}'"
            if target:
                notes.append(
                    f"{separated}, each one the {target[1]} of a row of {_path_of(target[0])}; the database's "
                    f"{table.name} table has them one a row."
                )
            else:  # free text may hold the separator itself
                notes.append(
                    f"{separated}, but a value may itself contain '{LIST_SEPARATOR}': for the exact list, read "
                    f"case-studies.json or the database's {table.name} table, which has them one a row."
                )
            target = None  # Frictionless cannot check a reference from a cell of several values
        elif how.by_label and target:
            notes.append(f"Written as the term's label (the label column of {_path_of(target[0])}), not its id.")
            target = (target[0], "label")
        spec: dict = {"name": name, "type": ftype, "description": " ".join([description, *notes]).strip()}
        required = how.required if how.required is not None else bool(column and column.not_null and not how.joined)
        constraints = {}
        if required:
            constraints["required"] = True
        if column is not None and column.allowed and not how.joined:
            constraints["enum"] = list(column.allowed)
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
        if target:
            keys.append({"fields": [name], "reference": {"resource": target[0], "fields": [target[1]]}})
    return fields, keys


def _path_of(resource: str) -> str:
    """The file of a resource the exports refer to: an export, or else a lookup table (named as its table)."""
    return next((export.path for export in EXPORTS if export.name == resource), lookup_path(resource))


def lookup_tables(kb: KnowledgeBase) -> list[Table]:
    """The database's tables the lookup files copy: one per vocabulary, and the works cited."""
    return vocabulary_tables(kb) + [works_table(kb)]


def _flag(column: Column) -> bool:
    """A column holding true or false (stored as 1 or 0), e.g. a unit's `currency`."""
    info = VocabularyTerm.model_fields.get(column.name)
    return info is not None and bool in (info.annotation, *getattr(info.annotation, "__args__", ()))


def _lookup_resource(table: Table, title: str) -> dict:
    fields = []
    for column in table.columns:
        spec: dict = {"name": column.name, "type": FIELD_TYPES[column.type], "description": column.description}
        if column.name == "aliases":
            spec["description"] += f" Several are separated by '{LIST_SEPARATOR}'."
        if _flag(column):
            spec.update(type="boolean", trueValues=["1"], falseValues=["0"])
        if column.name in table.primary_key:
            spec["constraints"] = {"required": True, "unique": True}
        fields.append(spec)
    return {
        "name": table.name,
        "path": lookup_path(table.name),
        "title": title,
        "description": table.description,
        **_csv_properties(),
        "schema": {"fields": fields, "primaryKey": list(table.primary_key), "missingValues": MISSING},
    }


def _csv_properties() -> dict:
    return {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": {"delimiter": ",", "header": True}}


def cells(row: tuple) -> list:
    """A row of a lookup table as its CSV file writes it: whole numbers without a decimal point."""
    return [number(v) if isinstance(v, float) else v for v in row]


def lookup_files(kb: KnowledgeBase) -> dict[str, str]:
    """Each lookup table's CSV text by its path under data/: the rows of the database's table."""
    return {
        lookup_path(t.name): to_csv([dict(zip(t.column_names(), cells(row), strict=True)) for row in t.rows], tuple(t.column_names()))
        for t in lookup_tables(kb)
    }


def export_descriptor(kb: KnowledgeBase, package: DataPackage | None, edition: str = "", site: str = "") -> dict:
    """The data package describing the exports, their lookup tables and the database."""
    tables = _tables_by_name(kb)
    lookups = lookup_tables(kb)
    resources_of = {export.table: export.name for export in EXPORTS} | {t.name: t.name for t in lookups}
    resources = []
    for export in EXPORTS:
        fields, keys = _export_fields(export, tables, resources_of)
        schema = {"fields": fields, "primaryKey": list(tables[export.table].primary_key), "missingValues": MISSING}
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {"name": export.name, "path": export.path, "title": export.title, "description": export.description, **_csv_properties(), "schema": schema}
        )
    titles = {name: vocab.title for name, vocab in kb.vocabularies.items()} | {WORKS: "Works cited"}
    resources += [_lookup_resource(t, titles[t.name]) for t in lookups]
    resources.append(
        {
            "name": "database",
            "path": DATABASE_FILE,
            "title": "The whole knowledge base as one SQLite database",
            "description": (
                "Case studies and every list in them, the frameworks and checklist of the source documents, the glossary, "
                "the vocabularies, the works cited and the tables of the survey data package, with primary and foreign keys. "
                f"Every table and column is described in {DATABASE_METADATA_FILE} (Datasette's metadata: "
                f"datasette {DATABASE_FILE} --metadata {DATABASE_METADATA_FILE})."
            ),
            "format": "sqlite",
            "mediatype": "application/vnd.sqlite3",
        }
    )
    credits = package.descriptor if package is not None else {}
    descriptor = {
        "name": PACKAGE_NAME,
        "title": f"{TITLE}: case studies, outcomes and lessons",
        "description": (
            "The book's own exports: its case studies, their outcomes and lessons as CSV files, a lookup table for "
            "every controlled vocabulary their coded columns use and for the works they cite, and the SQLite database "
            "of the whole knowledge base. Generated from the record schema and the vocabularies with every build. "
            "The survey and other quantitative data are described by datapackage.json beside this file."
        ),
    }
    if edition:
        descriptor["version"] = edition
    if site:
        descriptor["homepage"] = site
    for key in ("licenses", "sources"):
        if credits.get(key):
            descriptor[key] = credits[key]
    descriptor["resources"] = resources
    return descriptor


def publish_export_package(kb: KnowledgeBase, package: DataPackage | None, out_dir: Path, edition: str = "", site: str = "") -> list[Path]:
    """Write the lookup tables and the descriptor into `out_dir` (the site's data/, beside the exports)."""
    written = []
    for relative, text in lookup_files(kb).items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    descriptor = export_descriptor(kb, package, edition, site)
    path = out_dir / EXPORT_PACKAGE_FILE
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [*written, path]


def check_export_package(out_dir: Path) -> list[str]:
    """Read the written package back: every file it describes is there, and every CSV file's header is
    exactly its fields, in order (a column added to an export, or removed, without its description fails)."""
    path = out_dir / EXPORT_PACKAGE_FILE
    if not path.is_file():
        return [f"{EXPORT_PACKAGE_FILE}: was not written"]
    problems = []
    for resource in json.loads(path.read_text(encoding="utf-8"))["resources"]:
        file = out_dir / resource["path"]
        if not file.is_file():
            problems.append(f"{EXPORT_PACKAGE_FILE}: {resource['path']} is described but was not written")
        elif resource.get("format") == "csv":
            header = next(csv.reader(io.StringIO(file.read_text(encoding="utf-8"))), [])
            described = [f["name"] for f in resource["schema"]["fields"]]
            if header != described:
                problems.append(f"{EXPORT_PACKAGE_FILE}: {resource['path']} has the columns {header}, the package describes {described}")
    return problems
