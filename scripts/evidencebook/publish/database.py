"""The knowledge base as one SQLite database (data/evidence-book.sqlite) and its Datasette metadata.

Case studies and everything in them (outcomes, sources, examples, lists of themes and models, lessons
when records carry them), the frameworks and their items, the integration checklist, the glossary,
the vocabularies as lookup tables, the works cited, and every table of the data package. Keys and
foreign keys are declared and checked as the rows go in; every column is described (from the record
schema, the vocabulary file or the data package), and metadata.json carries those descriptions, the
licence and the sources for Datasette. The same inputs give the same database, byte for byte.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..records.datasets import DATABASE_FILE, DATABASE_METADATA_FILE, DataPackage
from ..records.kb import KnowledgeBase
from ..records.reference_schema import Checklist, Framework, GlossaryTerm
from ..records.schema import CaseStudy, VocabularyTerm
from .sqlshape import Column, Table, shape

DATABASE_NAME = DATABASE_FILE.removesuffix(".sqlite")  # what Datasette calls it: the file's stem
# Columns a vocabulary table has whenever one of its terms sets them (the others are left out).
VOCABULARY_EXTRAS = ("rank", "currency", "population_min", "population_max", "aliases")
TITLE = "Place-based health and care evidence book"
# The data package's tables are named after their resource with this prefix, so no resource can take the
# name of a knowledge-base table (the knowledge base has none starting so: a test checks).
DATASET_PREFIX = "dataset_"


class DatabaseError(ValueError):
    """The inputs cannot make a consistent database: the message names the file and the fix."""


def quote(name: str) -> str:
    """An SQL identifier, quoted: data-package names come from a file a pull request can change."""
    return '"' + name.replace('"', '""') + '"'


def vocabulary_tables(kb: KnowledgeBase) -> list[Table]:
    tables = []
    fields = VocabularyTerm.model_fields
    for name in sorted(kb.vocabularies):
        vocab = kb.vocabularies[name]
        if name == "framework_items":  # built from the frameworks: the framework_items table
            continue
        extras = [e for e in VOCABULARY_EXTRAS if any(getattr(t, e) not in (None, False, ()) for t in vocab.terms)]
        columns = [
            Column("id", "TEXT", fields["id"].description, True),
            Column("label", "TEXT", fields["label"].description, True),
            Column("definition", "TEXT", fields["definition"].description, True),
        ] + [Column(e, {"rank": "INTEGER", "currency": "INTEGER", "aliases": "TEXT"}.get(e, "NUMERIC"), fields[e].description) for e in extras]
        table = Table(name, f"{vocab.title}: {' '.join(vocab.description.split())}", columns, ("id",), label_column="label")
        for term in vocab.terms:
            values = [term.id, term.label, term.definition.strip()]
            for extra in extras:
                value = getattr(term, extra)
                values.append("; ".join(value) if extra == "aliases" else int(value) if extra == "currency" else value)
            table.rows.append(tuple(values))
        tables.append(table)
    return tables


def works_table(kb: KnowledgeBase) -> Table:
    table = Table(
        "works",
        "The works in references.bib that the book cites: the source documents and the sources they cite.",
        [
            Column("key", "TEXT", "The citation key in references.bib, as records and other tables refer to it.", True),
            Column("entry_type", "TEXT", "The BibTeX entry type (book, report, article, misc...).", True),
            Column("year", "TEXT", "The year of publication as the entry gives it."),
            Column("citation", "TEXT", "The full reference, formatted as the book's bibliography shows it.", True),
            Column("url", "TEXT", "The work's web address, where the entry gives one."),
        ],
        ("key",),
        label_column="citation",
    )
    entries = kb.bibliography.data.entries if kb.bibliography.data else {}
    for key in sorted(entries):
        entry = entries[key]
        table.rows.append((key, entry.type, entry.fields.get("year"), kb.bibliography.citation_text(key), entry.fields.get("url")))
    return table


def knowledge_base_tables(kb: KnowledgeBase) -> list[Table]:
    """Every table of the knowledge base, a table before any table that refers to it."""
    frameworks = shape(Framework, "frameworks", Framework.__doc__ or "")
    for framework in kb.frameworks:
        frameworks.add(framework, ())
    checklist = shape(Checklist, "checklists", Checklist.__doc__ or "")
    if kb.checklist is not None:
        checklist.add(kb.checklist, ())
    glossary = shape(GlossaryTerm, "glossary_terms", GlossaryTerm.__doc__ or "")
    for term in kb.glossary:
        glossary.add(term, ())
    cases = shape(CaseStudy, "case_studies", CaseStudy.__doc__ or "")
    for record in kb.records.values():
        cases.add(record, ())
    return vocabulary_tables(kb) + [works_table(kb)] + frameworks.tables() + checklist.tables() + glossary.tables() + cases.tables()


def _typed_cell(cell: str, kind: str, missing: set[str]) -> Any:
    """A CSV cell as its field's type (the package's checks have already passed on every cell)."""
    if cell in missing:
        return None
    return int(cell) if kind == "integer" else float(cell) if kind == "number" else cell


def package_tables(package: DataPackage, taken: set[str]) -> list[Table]:
    """One table per resource of the data package, its fields' types and descriptions, the CSV's line kept."""
    tables = []
    for resource in package.resources:
        name = DATASET_PREFIX + resource["name"].replace("-", "_")
        if name in taken:
            raise DatabaseError(
                f"{package.data_dir / 'datapackage.json'}: resource {resource['name']!r} would be the database table "
                f"{name!r}, which another resource already makes: rename one of them"
            )
        taken.add(name)
        types = {"integer": "INTEGER", "number": "NUMERIC"}
        columns = [Column("csv_line", "INTEGER", f"The line of {resource['path']} this row comes from (the header is line 1).", True)]
        columns += [Column(f["name"], types.get(f.get("type", "string"), "TEXT"), " ".join(str(f.get("description", f.get("title", ""))).split())) for f in package.fields(resource["name"])]
        description = " ".join(str(resource.get("description", resource.get("title", ""))).split())
        table = Table(name, f"{description} (data/{resource['path']})".strip(), columns, ("csv_line",))
        kinds = {f["name"]: f.get("type", "string") for f in package.fields(resource["name"])}
        missing = set(package.missing_values(resource["name"]))
        raw = package.raw(resource["name"])
        for values in raw[[c.name for c in columns]].itertuples(index=False, name=None):
            line, cells = values[0], values[1:]
            table.rows.append((int(line), *(_typed_cell(c, kinds[n], missing) for n, c in zip(kinds, cells, strict=True))))
        tables.append(table)
    return tables


@dataclass(frozen=True)
class ViewColumn:
    """A column of a view: its SQL, and the table column (or table) whose description it takes."""

    name: str
    expression: str  # over the view's FROM clause
    origin: str  # "table.column", or "table" for a column counting that table's rows
    how: str = ""  # what the view does to the origin's value (for a table: what it counts)


@dataclass(frozen=True)
class View:
    description: str
    columns: tuple[ViewColumn, ...]
    source: str  # FROM ... ORDER BY: what the columns' expressions read

    def sql(self) -> str:
        select = ",\n  ".join(f"{c.expression} AS {quote(c.name)}" for c in self.columns)
        return f"SELECT\n  {select}\n{self.source}"


# The source whose first entry an outcome without its own source comes from (the record schema's rule).
_FIRST_SOURCE = "(SELECT s.{column} FROM case_study_sources s WHERE s.case_study_id = o.case_study_id AND s.source = 1)"

# Views for the questions readers ask most. Each column's description in metadata.json is its origin's
# (view_descriptions), so a view says what the schema says and a renamed column still says where it is from.
VIEWS = {
    "measured_outcomes": View(
        "Every outcome the sources measured, with its case study, place, region and the strength of the evidence.",
        (
            ViewColumn("case_study_id", "o.case_study_id", "outcomes.case_study_id"),
            ViewColumn("case_study", "c.title", "case_studies.title"),
            ViewColumn("place", "c.place_name", "case_studies.place_name"),
            ViewColumn("region", "r.label", "case_studies.place_region", "as its label in regions"),
            *(ViewColumn(n, f"o.{n}", f"outcomes.{n}") for n in (
                "outcome", "metric", "qualifier", "value", "value_max", "scale", "unit", "direction", "comparison", "period")),
            ViewColumn("domain", "d.label", "outcomes.domain", "as its label in outcome_domains"),
            ViewColumn("evidence_type", "e.label", "case_studies.evidence_type", "as its label in evidence_types"),
            ViewColumn("evidence_rank", "e.rank", "evidence_types.rank", "of the case study's evidence type"),
            ViewColumn("source_key", f"COALESCE(o.source_key, {_FIRST_SOURCE.format(column='key')})", "case_study_sources.key",
                       "the outcome's own source (outcomes.source_key), or else the case study's first"),
            ViewColumn("source_locator", f"COALESCE(o.source_locator, {_FIRST_SOURCE.format(column='locator')})",
                       "case_study_sources.locator", "in the outcome's own source (outcomes.source_locator), or else the case study's first"),
        ),
        """FROM outcomes o
        JOIN case_studies c ON c.id = o.case_study_id
        LEFT JOIN regions r ON r.id = c.place_region
        JOIN outcome_domains d ON d.id = o.domain
        JOIN evidence_types e ON e.id = c.evidence_type
        WHERE o.kind = 'measured'
        ORDER BY o.case_study_id, o.outcome""",
    ),
    "case_study_overview": View(
        "One row per case study: place, level, evidence type, themes and how many outcomes it records.",
        (
            ViewColumn("id", "c.id", "case_studies.id"),
            ViewColumn("title", "c.title", "case_studies.title"),
            ViewColumn("place", "c.place_name", "case_studies.place_name"),
            ViewColumn("region", "r.label", "case_studies.place_region", "as its label in regions"),
            ViewColumn("level", "l.label", "case_studies.level", "as its label in levels"),
            ViewColumn("period_start", "c.period_start", "case_studies.period_start"),
            ViewColumn("period_end", "c.period_end", "case_studies.period_end"),
            ViewColumn("evidence_type", "e.label", "case_studies.evidence_type", "as its label in evidence_types"),
            ViewColumn("evidence_rank", "e.rank", "evidence_types.rank", "of the case study's evidence type"),
            ViewColumn(
                "themes",
                "(SELECT group_concat(label, '; ') FROM (SELECT t.label FROM case_study_themes ct"
                " JOIN themes t ON t.id = ct.theme WHERE ct.case_study_id = c.id ORDER BY ct.position))",
                "case_study_themes.theme", "as the labels in themes, in the record's order, joined by '; '",
            ),
            ViewColumn("outcomes", "(SELECT count(*) FROM outcomes o WHERE o.case_study_id = c.id)", "outcomes",
                       "How many rows the case study has"),
        ),
        """FROM case_studies c
        LEFT JOIN regions r ON r.id = c.place_region
        JOIN levels l ON l.id = c.level
        JOIN evidence_types e ON e.id = c.evidence_type
        ORDER BY c.id""",
    ),
}


def view_descriptions(tables: list[Table]) -> dict[str, dict[str, str]]:
    """View name -> column -> description: the origin's description, where it comes from and what the view did."""
    found: dict[str, dict[str, str]] = {}
    by_name = {t.name: t for t in tables}
    for name, view in VIEWS.items():
        columns = found[name] = {}
        for column in view.columns:
            table_name, _, column_name = column.origin.partition(".")
            table = by_name.get(table_name)
            origin = table and (table.description if not column_name else next((c.description for c in table.columns if c.name == column_name), None))
            if not origin:
                raise DatabaseError(f"view {name}: column {column.name} comes from {column.origin}, which the database does not have")
            if column_name:
                columns[column.name] = f"{origin} From {column.origin}{', ' + column.how if column.how else ''}."
            else:
                columns[column.name] = f"{column.how} in {table_name} ({origin})"
    return found


def _create(con: sqlite3.Connection, table: Table) -> None:
    parts = []
    for c in table.columns:
        parts.append(f"{quote(c.name)} {c.type}{' NOT NULL' if c.not_null else ''}")
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(map(quote, table.primary_key))})")
    for c in table.columns:
        if c.references:
            other, column = c.references.rstrip(")").split("(")
            parts.append(f"FOREIGN KEY ({quote(c.name)}) REFERENCES {quote(other)} ({quote(column)})")
    if table.parent:
        keys, other = table.parent
        columns = ", ".join(map(quote, keys))
        parts.append(f"FOREIGN KEY ({columns}) REFERENCES {quote(other)} ({columns})")
    con.execute(f"CREATE TABLE {quote(table.name)} (\n  " + ",\n  ".join(parts) + "\n)")
    marks = ", ".join("?" for _ in table.columns)
    con.executemany(f"INSERT INTO {quote(table.name)} VALUES ({marks})", table.rows)


def database_tables(kb: KnowledgeBase, package: DataPackage | None) -> list[Table]:
    tables = knowledge_base_tables(kb)
    if package is not None:
        tables += package_tables(package, {t.name for t in tables} | set(VIEWS))
    return tables


def write_database(tables: list[Table], path: Path) -> None:
    """Write the tables and views to `path`, checking every key as rows go in."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    con = sqlite3.connect(partial, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("BEGIN")
        for table in tables:
            try:
                _create(con, table)
            except sqlite3.IntegrityError as error:
                raise DatabaseError(f"{path.name}: table {table.name}: {error} (a record refers to something the book does not have)") from error
        for name, view in VIEWS.items():
            con.execute(f"CREATE VIEW {quote(name)} AS {view.sql()}")
        con.execute("COMMIT")
        con.execute("VACUUM")
    finally:
        con.close()
    partial.replace(path)


def datasette_metadata(tables: list[Table], package: DataPackage | None) -> dict:
    """metadata.json for `datasette evidence-book.sqlite --metadata metadata.json`."""
    licence = (package.descriptor.get("licenses") or [{}])[0] if package else {}
    described = {
        t.name: {"description": t.description, "columns": {c.name: c.description for c in t.columns}}
        | ({"label_column": t.label_column} if t.label_column else {})
        for t in tables
    }
    for name, columns in view_descriptions(tables).items():
        described[name] = {"description": VIEWS[name].description, "columns": columns}
    return {
        "title": TITLE,
        "description": (
            "Case studies of place-based health and care in England, with their outcomes, sources and evidence, "
            "the frameworks and checklist of the source documents, the glossary and the survey and other data."
        ),
        "license": licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": "Five documents on place-based health and care (2015-2019) and the works they cite: see the works table.",
        "databases": {DATABASE_NAME: {"tables": described}},
    }


def publish_database(kb: KnowledgeBase, package: DataPackage | None, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = database_tables(kb, package)
    database, metadata = out_dir / DATABASE_FILE, out_dir / DATABASE_METADATA_FILE
    write_database(tables, database)
    metadata.write_text(json.dumps(datasette_metadata(tables, package), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [database, metadata]


def check_database(kb: KnowledgeBase, out_dir: Path) -> list[str]:
    """Read the written database back: every record once, every outcome with the record's exact numbers."""
    path = out_dir / DATABASE_FILE
    if not path.is_file():
        return [f"{DATABASE_FILE}: was not written"]
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ids = [row[0] for row in con.execute("SELECT id FROM case_studies ORDER BY id")]
        outcomes = {(c, n): (v, m, u, s) for c, n, v, m, u, s in con.execute("SELECT case_study_id, outcome, value, value_max, unit, scale FROM outcomes")}
    finally:
        con.close()
    problems = []
    if ids != sorted(kb.records):
        problems.append(f"{DATABASE_FILE}: its case studies are not the records ({len(ids)} rows, {len(kb.records)} records)")
    wanted = {
        (r.id, n): (o.value, o.value_max, o.unit, o.scale)
        for r in kb.records.values()
        for n, o in enumerate(r.outcomes, start=1)
    }
    if outcomes != wanted:
        differ = sorted(set(outcomes.items()) ^ set(wanted.items()))[:5]
        problems.append(f"{DATABASE_FILE}: outcomes differ from the records, e.g. {differ}")
    return problems
