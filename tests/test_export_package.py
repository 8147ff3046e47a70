"""The exports' data package (data/evidence-book.datapackage.json): valid Frictionless with every key and
reference checked, every column of every export described and every described column there, the coded
columns tied to their lookup tables, and nothing in it written by hand."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import frictionless
import pytest

from evidencebook.publish import exportpackage
from evidencebook.publish.database import DATASET_PREFIX, VIEWS, database_tables
from evidencebook.publish.export import export_texts
from evidencebook.publish.exportpackage import (
    EXPORTS,
    Export,
    ExportPackageError,
    check_export_package,
    export_descriptor,
    lookup_tables,
)
from evidencebook.publish.sqlshape import shape
from evidencebook.records.datasets import EXPORT_PACKAGE_FILE, LOOKUPS_DIR, PACKAGE_FILE, load_package
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.schema import CaseStudy
from evidencebook.tools.cli import main

from .conftest import FIXTURES, ROOT, knowledge_root


@pytest.fixture(scope="module")
def kb(real_kb):
    return real_kb


def publish_all(kb, out: Path) -> Path:
    """What the build writes into the site's data/, written by `evidencebook export`, which shares the
    build's code (publish/downloads.py) and reads everything it wrote back."""
    assert main(["--root", str(kb.root), "export", "--out", str(out)]) == 0
    return out / EXPORT_PACKAGE_FILE


@pytest.fixture(scope="module")
def published(kb, tmp_path_factory) -> Path:
    return publish_all(kb, tmp_path_factory.mktemp("data"))


def errors_of(path: Path) -> list[str]:
    report = frictionless.validate(str(path))
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + [e.message for e in report.errors]


def test_the_exports_package_validates_with_frictionless_keys_and_references_included(published):
    assert errors_of(published) == []
    descriptor = json.loads(published.read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert names[:3] == ["case-studies", "outcomes", "lessons"] and "database" in names and "works" in names
    keys = {r["name"]: r["schema"].get("foreignKeys", []) for r in descriptor["resources"] if "schema" in r}
    assert {"fields": ["case_study_id"], "reference": {"resource": "case-studies", "fields": ["id"]}} in keys["outcomes"]
    assert {"fields": ["case_study_id"], "reference": {"resource": "case-studies", "fields": ["id"]}} in keys["lessons"]
    assert {"fields": ["level"], "reference": {"resource": "levels", "fields": ["id"]}} in keys["case-studies"]
    assert {"fields": ["region"], "reference": {"resource": "regions", "fields": ["label"]}} in keys["case-studies"]
    assert {"fields": ["source_key"], "reference": {"resource": "works", "fields": ["key"]}} in keys["outcomes"]
    assert descriptor["licenses"] == load_package(ROOT).descriptor["licenses"] and descriptor["sources"]


def test_the_export_command_writes_what_the_build_publishes_under_data(published, tmp_path, capsys):
    files = {p.relative_to(published.parent).as_posix() for p in published.parent.rglob("*") if p.is_file()}
    assert {"case-studies.csv", "outcomes.csv", "lessons.csv", "case-studies.json", "evidence-book.sqlite", PACKAGE_FILE} <= files
    assert any(name.startswith(f"{LOOKUPS_DIR}/") for name in files)
    # A data package it cannot read: one message naming the file, exit 1, nothing half-written.
    root = knowledge_root(tmp_path / "root", [FIXTURES / "sample-case.yml"])
    (root / "data" / PACKAGE_FILE).unlink()
    assert main(["--root", str(root), "export", "--out", str(tmp_path / "out")]) == 1
    assert PACKAGE_FILE in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_frictionless_fails_the_package_when_a_code_is_not_in_its_lookup_table(kb, tmp_path):
    path = publish_all(kb, tmp_path)
    levels = tmp_path / LOOKUPS_DIR / "levels.csv"
    used = {row["level"] for row in csv.DictReader(io.StringIO((tmp_path / "case-studies.csv").read_text(encoding="utf-8")))}
    lines = levels.read_text(encoding="utf-8").splitlines(keepends=True)
    levels.write_text("".join(line for line in lines if line.split(",")[0] not in used or line.startswith("id,")), encoding="utf-8")
    assert any("foreign key" in error for error in errors_of(path))
    # and a row that repeats a case study's key
    (tmp_path / LOOKUPS_DIR / "levels.csv").write_text("".join(lines), encoding="utf-8")
    cases = tmp_path / "lessons.csv"
    rows = cases.read_text(encoding="utf-8").splitlines(keepends=True)
    cases.write_text("".join(rows + rows[1:2]), encoding="utf-8")
    assert any("primary key" in error.lower() for error in errors_of(path))


def test_every_column_of_every_export_is_described_and_every_described_column_is_there(kb, published):
    descriptor = json.loads(published.read_text(encoding="utf-8"))
    texts = export_texts(kb, "https://example.org/book/")
    csv_resources = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    assert {r["path"] for r in csv_resources} >= set(texts) & {"case-studies.csv", "outcomes.csv", "lessons.csv"}
    for resource in csv_resources:
        text = texts.get(resource["path"]) or (published.parent / resource["path"]).read_text(encoding="utf-8")
        header = next(csv.reader(io.StringIO(text)))
        described = [f["name"] for f in resource["schema"]["fields"]]
        assert header == described, resource["path"]
        for spec in resource["schema"]["fields"]:
            assert len(spec.get("description", "")) > 10, f"{resource['path']}: {spec['name']} is not described"
    assert check_export_package(published.parent) == []


def test_a_column_without_a_description_fails_and_the_build_check_sees_a_header_that_differs(kb, published, monkeypatch):
    cases = EXPORTS[0]
    broken = Export(cases.name, cases.path, cases.table, (*cases.columns, "shoe_size"), cases.title, cases.description, cases.differs)
    monkeypatch.setattr(exportpackage, "EXPORTS", (broken, *EXPORTS[1:]))
    with pytest.raises(ExportPackageError, match="case-studies.csv: column 'shoe_size' .* describe it in EXPORTS"):
        export_descriptor(kb, None)
    monkeypatch.undo()
    out = published.parent
    original = (out / "outcomes.csv").read_text(encoding="utf-8")
    try:
        (out / "outcomes.csv").write_text(original.replace("case_study_id,", "case_study_id,extra,", 1), encoding="utf-8")
        assert any("outcomes.csv has the columns" in p for p in check_export_package(out))
    finally:
        (out / "outcomes.csv").write_text(original, encoding="utf-8")


def test_descriptions_are_the_schemas_own_words(published):
    """The same text as the record schema and the database: nothing described twice by hand."""
    descriptor = json.loads(published.read_text(encoding="utf-8"))
    fields = {(r["name"], f["name"]): f for r in descriptor["resources"] for f in r.get("schema", {}).get("fields", [])}
    assert fields[("outcomes", "metric")]["description"] == CaseStudy.model_fields["outcomes"].annotation.__args__[0].model_fields["metric"].description
    cases = {c.name: c for c in shape(CaseStudy, "case_studies", "").table.columns}
    assert fields[("case-studies", "title")]["description"] == cases["title"].description
    assert fields[("outcomes", "direction")]["constraints"]["enum"] == ["increase", "decrease", "no change"]
    themes = fields[("case-studies", "themes")]["description"]
    assert "separated by '; '" in themes and "lookups/themes.csv" in themes and "case_study_themes" in themes
    organisations = fields[("case-studies", "organisations")]["description"]
    assert "may itself contain '; '" in organisations  # free text: the separator is not a safe split
    assert "label column of lookups/regions.csv" in fields[("case-studies", "region")]["description"]


def test_every_vocabulary_has_its_lookup_table_with_every_term(kb, published):
    out = published.parent
    descriptor = json.loads(published.read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    for name, vocab in kb.vocabularies.items():
        if name == "framework_items":  # not a vocabulary file: the frameworks' items, not used by the exports
            continue
        assert resources[name]["path"] == f"{LOOKUPS_DIR}/{name}.csv"
        rows = list(csv.DictReader(io.StringIO((out / LOOKUPS_DIR / f"{name}.csv").read_text(encoding="utf-8"))))
        assert [r["id"] for r in rows] == vocab.ids()
        assert [r["label"] for r in rows] == [t.label for t in vocab.terms]
    units = {r["id"]: r for r in csv.DictReader(io.StringIO((out / LOOKUPS_DIR / "units.csv").read_text(encoding="utf-8")))}
    assert units["GBP"]["currency"] == "1" and units["percent"]["currency"] == "0"


def test_the_package_describes_a_small_book_and_hostile_cells(tmp_path):
    """One record, with text made to run as a spreadsheet formula: still valid (CSV cells are neutralised
    on both sides of every reference), and the package lists the same files."""
    import yaml

    knowledge_root(tmp_path / "root", [FIXTURES / "sample-case.yml"])
    hostile = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    hostile.update(id="formula-case", title="=HYPERLINK(\"http://evil.example\",\"x\")", organisations=["+cmd", "@SUM(A1)"])
    (tmp_path / "root" / "case_studies" / "formula-case.yml").write_text(yaml.safe_dump(hostile, sort_keys=False))
    small = load_knowledge_base(tmp_path / "root")
    assert small.ok, small.problems
    path = publish_all(small, tmp_path / "data")
    assert errors_of(path) == []
    assert "'=HYPERLINK" in (tmp_path / "data" / "case-studies.csv").read_text(encoding="utf-8")


def test_the_same_records_give_the_same_package_bytes(kb, published, tmp_path):
    again = publish_all(kb, tmp_path)
    assert again.read_bytes() == published.read_bytes()
    for path in sorted((published.parent / LOOKUPS_DIR).glob("*.csv")):
        assert (tmp_path / LOOKUPS_DIR / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.build
def test_the_built_book_publishes_a_valid_exports_package_beside_the_survey_package(built_book):
    data = built_book / "data"
    assert errors_of(data / EXPORT_PACKAGE_FILE) == []
    assert (data / PACKAGE_FILE).is_file(), "the survey's package keeps its own name"
    assert check_export_package(data) == []
    descriptor = json.loads((data / EXPORT_PACKAGE_FILE).read_text(encoding="utf-8"))
    assert descriptor["homepage"].startswith("https://") and descriptor["version"]


# --- the data dictionary's pages of the exports (chapters/exports/, publish/exportdictionary.py) ----------


@pytest.fixture(scope="module")
def pages(kb):
    from evidencebook.publish.exportdictionary import export_pages

    return export_pages(kb, load_package(ROOT))


def test_each_export_has_a_page_describing_every_column_from_the_package(kb, pages, published):
    descriptor = json.loads(published.read_text(encoding="utf-8"))
    for export in EXPORTS:
        page = pages[export.name]
        resource = next(r for r in descriptor["resources"] if r["name"] == export.name)
        assert page.startswith(f"(export-{export.name})=\n# ")
        assert f'href="../../data/{export.path}" download' in page
        for spec in resource["schema"]["fields"]:
            assert f"<code>{spec['name']}</code>" in page, f"{export.path}: {spec['name']} is not on its page"
    here = "../../chapters/exports/"
    assert f'values from <a href="{here}lookups-evidence-types.html#lookup-evidence-types">lookups/evidence_types.csv (id)</a>' in pages["case-studies"]
    assert f'values from <a href="{here}case-studies.html">case-studies.csv (id)</a>' in pages["outcomes"]


def test_every_vocabulary_has_a_page_listing_every_term(kb, pages):
    index = pages["lookups"]
    for name, vocab in kb.vocabularies.items():
        if name == "framework_items":
            continue
        anchor, own = f"lookup-{name.replace('_', '-')}", f"lookups-{name.replace('_', '-')}"
        page = pages[own]
        assert page.startswith(f"({anchor})=\n# Lookup table: ") and f"`/chapters/exports/{own}`" in index
        assert f'href="../../data/lookups/{name}.csv" download' in page
        for term in vocab.terms:
            assert f"<code>{html_escape(term.id)}</code>" in page, f"{name}: {term.id}"
    assert "(lookup-works)=" in index and "</bibliography>`" in index
    for column in ("id", "label", "definition", "aliases", "rank", "currency", "population_min"):
        assert f"<code>{column}</code>" in index  # the columns the vocabularies' tables share, described once


def test_the_database_pages_describe_every_table_and_column(kb, pages):
    page = pages["database"] + pages["database-frameworks"]
    lookups = {t.name for t in lookup_tables(kb)}
    for table in database_tables(kb, load_package(ROOT)):
        if table.name.startswith(DATASET_PREFIX) or table.name in lookups:
            assert f"- `{table.name}`: " in page, table.name  # linked to the page that describes it
            continue
        assert re.search(f"\\(db-{table.name.replace('_', '-')}\\)=\n#+ {re.escape(table.name.replace('_', chr(92) + '_'))}\n", page), table.name
        for column in table.columns:
            assert f"<code>{column.name}</code>" in page, f"{table.name}.{column.name}"
    assert all(f"- `{name}`: " in page for name in VIEWS)
    assert 'refers to <a href="../../chapters/exports/database.html#db-case-studies">case_studies.id</a>' in page
    assert "(db-frameworks)=" in pages["database-frameworks"] and "(db-frameworks)=" not in pages["database"]


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


@pytest.mark.build
def test_the_exports_pages_link_only_to_files_and_anchors_that_exist(built_book):
    chapters = built_book / "chapters"
    pages = [chapters / "exports.html", chapters / "data-dictionary.html", *sorted((chapters / "exports").glob("*.html"))]
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#:?]*)(?:#([^"]*))?"', text):
            path, anchor = href
            target = (page.parent / path).resolve() if path else page
            if path.startswith(("_", "/")) or "_static" in path:
                continue
            assert target.is_file(), f"{page.name}: {path} does not exist"
            if anchor and target.suffix == ".html":
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{page.name}: {path}#{anchor}"
