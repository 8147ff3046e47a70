"""The data dictionary of the book's own exports (chapters/exports/<name>, a section of the data dictionary):
a page per CSV export; the lookup tables' page, with a page per vocabulary's terms; the database's tables
and columns on two pages; and the list of them that the data-dictionary and exports chapters include.

Every page is drawn from the exports' data package (exportpackage.export_descriptor) and the database's
tables (database.database_tables), which come from the record schema and the vocabularies: nothing here
describes a column in words of its own. HTML comes from the templates (dataset_file.html,
dataset_fields.html, lookup_terms.html, table_columns.html, database_file.html).
"""

from __future__ import annotations

from ..records.datasets import (
    DATABASE_FILE,
    DATABASE_METADATA_FILE,
    EXPORT_PACKAGE_FILE,
    LOOKUPS_DIR,
    DataPackage,
)
from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy
from .database import DATASET_PREFIX, VIEWS, database_tables
from .datadictionary import CHAPTER as DICTIONARY
from .datadictionary import dataset_page_names, fields_html, file_details
from .exportpackage import EXPORTS, WORKS, cells, export_descriptor, lookup_tables
from .html import plural, render
from .sqlshape import Table, shape
from .text import md_escape, md_token, raw_html_block

CHAPTER = "exports"  # chapters/exports.md, its pages in chapters/exports/
LOOKUPS_PAGE = "lookups"
DATABASE_PAGE = "database"
DATABASE_MORE_PAGE = "database-frameworks"  # the tables besides the case studies', on a page of their own
MISSING_TEXT = [""]
# The pages' own address from one of them: raw links go through the site's root, as every split chapter's do.
HERE = f"../../chapters/{CHAPTER}/"  # what the package's missingValues say: an empty cell


def lookup_anchor(table: str) -> str:
    """The label of a lookup table's section, as its HTML id too (docutils turns '_' into '-' in ids)."""
    return md_token(f"lookup-{table}").replace("_", "-")


def lookup_page(table: str) -> str:
    """The page of a lookup table: a vocabulary's own page, or the lookup tables' page for the works cited
    (named so that the navigation, A to Z, lists the lookup tables' page first and its vocabularies after it)."""
    return LOOKUPS_PAGE if table == WORKS else f"{LOOKUPS_PAGE}-{table}".replace("_", "-")


def table_anchor(table: str) -> str:
    """The label of a database table's section, as its HTML id too."""
    return md_token(f"db-{table}").replace("_", "-")


def _rows(kb: KnowledgeBase) -> dict[str, int]:
    """How many rows each CSV export has."""
    return {
        "case-studies": len(kb.records),
        "outcomes": sum(len(r.outcomes) for r in kb.records.values()),
        "lessons": sum(len(r.lessons) for r in kb.records.values()),
    }


def _lookup_link(field: str, descriptor: dict) -> dict | None:
    """Where the values of an export's `field` come from: the lookup page's section, or the export's page."""
    for key in descriptor.get("schema", {}).get("foreignKeys", []):
        if key["fields"] == [field]:
            resource, column = key["reference"]["resource"], key["reference"]["fields"][0]
            export = next((e for e in EXPORTS if e.name == resource), None)
            if export is not None:
                return {"href": f"{HERE}{export.name}.html", "text": f"{export.path} ({column})"}
            return {"href": f"{HERE}{lookup_page(resource)}.html#{lookup_anchor(resource)}", "text": f"{LOOKUPS_DIR}/{resource}.csv ({column})"}
    return None


def _fields_html(resource: dict):
    return fields_html(
        resource["path"], resource["schema"]["fields"], units=False, lookup=lambda name: _lookup_link(name, resource)
    )


def _intro(what: str) -> list[str]:
    return [
        f"One of the [book's exports](../{CHAPTER}.md), {what} The data package `{EXPORT_PACKAGE_FILE}` describes "
        "it, and is generated from the record schema with every build too.",
        "",
    ]


def export_page(resource: dict, descriptor: dict, rows: int, data_url: str) -> str:
    """One CSV export's page: what a row is, the file, and every column."""
    lines = [
        f"({md_token('export-' + resource['name'])})=",
        f"# {md_escape(resource['title'])}: {md_escape(resource['path'])}",
        "",
        md_escape(resource["description"]),
        "",
        *_intro("written from the records with every build."),
        "## File and source",
        "",
        raw_html_block(file_details(resource, descriptor, rows, MISSING_TEXT, data_url, tuple(resource["schema"]["primaryKey"]))),
        "",
        "## Fields",
        "",
        raw_html_block(_fields_html(resource)),
        "",
    ]
    return "\n".join(lines)


def lookup_pages(kb: KnowledgeBase, descriptor: dict, data_url: str) -> dict[str, str]:
    """The lookup tables: a page of the columns they share, with the works cited, and a page of each
    vocabulary's terms (one page for all of them would be a wall)."""
    lookups = [r for r in descriptor["resources"] if r.get("path", "").startswith(f"{LOOKUPS_DIR}/")]
    vocabularies = [r for r in lookups if r["name"] != WORKS]
    columns: dict[str, dict] = {}
    for resource in vocabularies:
        for spec in resource["schema"]["fields"]:
            columns.setdefault(spec["name"], spec)
    shared = {"path": "the vocabularies' lookup tables", "schema": {"fields": list(columns.values())}}
    tables = {t.name: t for t in lookup_tables(kb)}

    def details(resource: dict) -> str:
        rows = len(tables[resource["name"]].rows)
        return raw_html_block(file_details(resource, descriptor, rows, MISSING_TEXT, data_url, tuple(resource["schema"]["primaryKey"])))

    lines = [
        "(export-lookups)=",
        "# Lookup tables",
        "",
        f"A coded column of the exports holds a term of a controlled vocabulary; each vocabulary is a file in "
        f"`{LOOKUPS_DIR}/`, one row per term in the order the book lists them, so that a code can be matched with its "
        f"label and definition. `{LOOKUPS_DIR}/{WORKS}.csv` does the same for the works the records cite.",
        "",
        *_intro("written from data/vocabularies/ and references.bib with every build."),
        "## The vocabularies",
        "",
        *[f"- {{doc}}`/chapters/{CHAPTER}/{lookup_page(r['name'])}`: `{r['path']}`" for r in vocabularies],
        "",
        "## Their columns",
        "",
        "Every vocabulary's table has the first three; the others only where one of its terms sets them.",
        "",
        raw_html_block(_fields_html(shared)),
        "",
    ]
    pages = {}
    for resource in lookups:
        if resource["name"] == WORKS:
            lines += [
                f"({lookup_anchor(WORKS)})=",
                f"## {md_escape(resource['title'])}",
                "",
                md_escape(resource["description"]),
                "",
                details(resource),
                "",
                raw_html_block(_fields_html(resource)),
                "",
                "The works themselves are listed in the {doc}`bibliography </bibliography>`.",
                "",
            ]
            continue
        names = [spec["name"] for spec in resource["schema"]["fields"]]
        rows = [["" if cell is None else str(cell) for cell in cells(row)] for row in tables[resource["name"]].rows]
        pages[lookup_page(resource["name"])] = "\n".join(
            [
                f"({lookup_anchor(resource['name'])})=",
                f"# Lookup table: {md_escape(resource['title'])}",
                "",
                md_escape(resource["description"]),
                "",
                f"One of the [lookup tables](lookups.md) of the [book's exports](../{CHAPTER}.md): the codes a column "
                "may hold, each with its label and definition.",
                "",
                details(resource),
                "",
                raw_html_block(render("lookup_terms.html", name=resource["path"], columns=names, rows=rows)),
                "",
            ]
        )
    return {LOOKUPS_PAGE: "\n".join(lines), **pages}


def _table_columns_html(table: Table, links: dict[str, str]):
    def reference(text: str | None) -> dict | None:
        if not text:
            return None
        other, column = text.rstrip(")").split("(")
        return {"href": links.get(other, ""), "text": f"{other}.{column}"}

    return render(
        "table_columns.html",
        name=table.name,
        columns=[
            {
                "name": c.name,
                "type": c.type,
                "description": c.description,
                "key": c.name in table.primary_key,
                "reference": reference(c.references),
            }
            for c in table.columns
        ],
    )


def database_pages(kb: KnowledgeBase, package: DataPackage | None, descriptor: dict, data_url: str) -> dict[str, str]:
    """The database's pages: every table of the knowledge base with its columns, keys and references (the
    case studies' on one page, the frameworks', checklist's and glossary's on another); the lookup and
    survey tables linked to the pages that describe them; the views."""
    tables = database_tables(kb, package)
    lookups = {r["name"] for r in descriptor["resources"] if r.get("path", "").startswith(f"{LOOKUPS_DIR}/")}
    case_tables = {t.name for t in shape(CaseStudy, "case_studies", "").tables()}
    own = [t for t in tables if t.name not in lookups and not t.name.startswith(DATASET_PREFIX)]
    groups = {
        DATABASE_PAGE: ("Case studies and what is in them", [t for t in own if t.name in case_tables]),
        DATABASE_MORE_PAGE: ("Frameworks, the checklist and the glossary", [t for t in own if t.name not in case_tables]),
    }
    links = {t: f"{HERE}{lookup_page(t)}.html#{lookup_anchor(t)}" for t in lookups}
    links |= {t.name: f"{HERE}{page}.html#{table_anchor(t.name)}" for page, (_, group) in groups.items() for t in group}
    database = next(r for r in descriptor["resources"] if r["path"] == DATABASE_FILE)

    def sections(group: list[Table], level: str) -> list[str]:
        lines = []
        for table in group:
            lines += [
                f"({table_anchor(table.name)})=",
                f"{level} {md_escape(table.name)}",
                "",
                md_escape(table.description),
                "",
                raw_html_block(_table_columns_html(table, links)),
                "",
            ]
        return lines

    heading, group = groups[DATABASE_PAGE]
    more, rest = groups[DATABASE_MORE_PAGE]
    lines = [
        "(export-database)=",
        f"# The database: {md_escape(DATABASE_FILE)}",
        "",
        md_escape(database["description"]),
        "",
        *_intro("written from the records, the source documents' frameworks, checklist and glossary, and the data package with every build."),
        raw_html_block(
            render("database_file.html", data_url=data_url, database=DATABASE_FILE, metadata=DATABASE_METADATA_FILE, tables=len(tables), views=len(VIEWS))
        ),
        "",
        f"## {heading}",
        "",
        *sections(group, "###"),
        f"## {more}",
        "",
        f"Their {plural(len(rest), 'table')} are described on {{doc}}`a page of their own </chapters/{CHAPTER}/{DATABASE_MORE_PAGE}>`.",
        "",
        "## Lookup tables",
        "",
        "One table per vocabulary, and the works cited, with the same columns and rows as the "
        f"[lookup tables](lookups.md) in `{LOOKUPS_DIR}/`:",
        "",
        *[f"- `{md_token(t)}`: {{ref}}`{lookup_anchor(t)}`" for t in sorted(lookups)],
        "",
        "## The survey and other data",
        "",
        f"One table per table of the data package, named `{DATASET_PREFIX}` and its name, with the columns of its CSV file "
        "and `csv_line`, the line each row comes from:",
        "",
    ]
    pages = dataset_page_names(package) if package is not None else {}
    for resource in package.resources if package is not None else []:
        name = DATASET_PREFIX + resource["name"].replace("-", "_")
        lines.append(f"- `{md_token(name)}`: {{doc}}`/chapters/{DICTIONARY}/{md_token(pages[resource['name']])}`")
    lines += ["", "## Views", "", "Queries kept in the database for the questions readers ask most:", ""]
    lines += [f"- `{name}`: {md_escape(view.description)}" for name, view in VIEWS.items()]
    second = [
        f"({md_token('export-' + DATABASE_MORE_PAGE)})=",
        f"# The database: {more.lower()}",
        "",
        f"The tables of {md_escape(DATABASE_FILE)} that hold the source documents' frameworks, the integration checklist "
        f"and the glossary. The case studies' tables, the lookup tables and the views are on [the database's page]({DATABASE_PAGE}.md).",
        "",
        *sections(rest, "##"),
    ]
    return {DATABASE_PAGE: "\n".join(lines) + "\n", DATABASE_MORE_PAGE: "\n".join(second)}


def export_pages(kb: KnowledgeBase, package: DataPackage | None, data_url: str = "../../data/") -> dict[str, str]:
    """Page name -> MyST of each page of the exports (`data_url`: the site's data/ from chapters/exports/)."""
    descriptor = export_descriptor(kb, package)
    resources = {r["name"]: r for r in descriptor["resources"]}
    rows = _rows(kb)
    pages = {export.name: export_page(resources[export.name], descriptor, rows[export.name], data_url) for export in EXPORTS}
    pages |= lookup_pages(kb, descriptor, data_url)
    pages |= database_pages(kb, package, descriptor, data_url)
    return pages


def exports_part(kb: KnowledgeBase, package: DataPackage | None, data_url: str = "../data/") -> str:
    """The list of the exports' pages, with the package's download link: included by chapters/exports.md and
    chapters/data-dictionary.md (both in chapters/, so the links are the same)."""
    descriptor = export_descriptor(kb, package)
    tables = [r for r in descriptor["resources"] if "schema" in r]
    rows = _rows(kb)
    lookups = [r for r in tables if r["path"].startswith(f"{LOOKUPS_DIR}/")]
    lines = [
        raw_html_block(render("download_link.html", href=data_url + EXPORT_PACKAGE_FILE, name=EXPORT_PACKAGE_FILE, tables=len(tables))),
        "",
    ]
    for export in EXPORTS:
        resource = next(r for r in tables if r["name"] == export.name)
        size = f"{plural(rows[export.name], 'row')}, {plural(len(resource['schema']['fields']), 'column')}"
        lines.append(f"- [{md_escape(export.title)}]({CHAPTER}/{export.name}.md): `{export.path}` ({md_escape(size)})")
    lines.append(
        f"- [Lookup tables]({CHAPTER}/{LOOKUPS_PAGE}.md): `{LOOKUPS_DIR}/`, "
        f"{md_escape(plural(len(lookups), 'file'))}, one per vocabulary and one of the works cited"
    )
    count = len(database_tables(kb, package))
    lines.append(f"- [The database]({CHAPTER}/{DATABASE_PAGE}.md): `{DATABASE_FILE}` ({md_escape(plural(count, 'table'))} and {plural(len(VIEWS), 'view')})")
    return "\n".join(lines) + "\n"
