"""The SQLite database (data/evidence-book.sqlite): every record and figure exact, keys that hold, every
column described for Datasette, the same bytes from the same records, hostile text kept as data, and a
real Datasette serving it."""

from __future__ import annotations

import dataclasses
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from pydantic import Field

from evidencebook.publish.database import (
    DATABASE_NAME,
    DATASET_PREFIX,
    VIEWS,
    DatabaseError,
    ViewColumn,
    check_database,
    database_tables,
    knowledge_base_tables,
    package_tables,
    publish_database,
    view_descriptions,
    write_database,
)
from evidencebook.publish.sqlshape import shape
from evidencebook.records.datasets import DATABASE_FILE, DATABASE_METADATA_FILE, DataPackage, load_package
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.schema import SourceRef, Strict, vocabulary

from .conftest import FIXTURES, ROOT, knowledge_root


@pytest.fixture(scope="module")
def kb(real_kb):
    return real_kb


@pytest.fixture(scope="module")
def published(kb, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data")
    publish_database(kb, load_package(ROOT), out)
    return out


@pytest.fixture(scope="module")
def db(published):
    con = sqlite3.connect(published / DATABASE_FILE)
    yield con
    con.close()


def test_every_case_study_and_figure_is_in_the_database_exactly_as_recorded(kb, db, published):
    assert [r[0] for r in db.execute("SELECT id FROM case_studies ORDER BY id")] == sorted(kb.records)
    for record in kb.records.values():
        title, place, evidence = db.execute("SELECT title, place_name, evidence_type FROM case_studies WHERE id = ?", (record.id,)).fetchone()
        assert (title, place, evidence) == (record.title, record.place.name, record.evidence.type)
        themes = [t for (t,) in db.execute("SELECT theme FROM case_study_themes WHERE case_study_id = ? ORDER BY position", (record.id,))]
        assert themes == list(record.themes)
        rows = db.execute("SELECT outcome, metric, value, value_max, unit, kind FROM outcomes WHERE case_study_id = ? ORDER BY outcome", (record.id,)).fetchall()
        assert rows == [(n, o.metric, o.value, o.value_max, o.unit, o.kind) for n, o in enumerate(record.outcomes, start=1)]
    # A whole number reads as the source prints it (15, not 15.0).
    whole = next(o.value for r in kb.records.values() for o in r.outcomes if o.value is not None and o.value.is_integer())
    assert db.execute("SELECT typeof(value) FROM outcomes WHERE value = ? LIMIT 1", (whole,)).fetchone() == ("integer",)
    assert check_database(kb, published) == []


def test_keys_are_declared_and_every_reference_resolves(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    references = {(row[3], row[2], row[4]) for row in db.execute("PRAGMA foreign_key_list('outcomes')")}
    assert {("case_study_id", "case_studies", "id"), ("kind", "outcome_kinds", "id"), ("domain", "outcome_domains", "id"), ("source_key", "works", "key")} <= references
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        assert any(row[5] for row in db.execute(f'PRAGMA table_info("{table}")')), f"{table} has no primary key"
    with pytest.raises(sqlite3.IntegrityError):  # a key twice is refused
        db.execute("INSERT INTO themes (id, label, definition) SELECT id, label, definition FROM themes LIMIT 1")


def test_the_questions_readers_ask_most_have_views(kb, db):
    measured = [(r.id, n) for r in kb.records.values() for n, o in enumerate(r.outcomes, start=1) if o.kind == "measured"]
    assert measured, "the records have measured outcomes"
    rows = db.execute("SELECT case_study_id, outcome, place, evidence_type, source_key FROM measured_outcomes").fetchall()
    assert [(c, n) for c, n, *_ in rows] == measured
    for case_id, n, place, evidence, source in rows:
        record = kb.records[case_id]
        outcome = record.outcomes[n - 1]
        assert place == record.place.name
        assert evidence == kb.vocabularies["evidence_types"].label(record.evidence.type)
        assert source == (outcome.source or record.sources[0]).key
    overview = db.execute("SELECT id, outcomes FROM case_study_overview").fetchall()
    assert overview == [(r.id, len(r.outcomes)) for r in sorted(kb.records.values(), key=lambda r: r.id)]


def test_every_table_and_column_is_described_for_datasette(db, published):
    metadata = json.loads((published / DATABASE_METADATA_FILE).read_text())
    assert metadata["license"] == "CC-BY-4.0" and metadata["license_url"].startswith("https://creativecommons.org/")
    described = metadata["databases"][DATABASE_NAME]["tables"]
    kinds = dict(db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')").fetchall())
    assert set(VIEWS) <= {name for name, kind in kinds.items() if kind == "view"}
    for name, kind in kinds.items():
        assert described[name]["description"].strip(), f"{kind} {name} has no description"
        columns = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")')]
        missing = [c for c in columns if not described[name].get("columns", {}).get(c, "").strip()]
        assert not missing, f"{kind} {name}: columns without a description: {missing}"
    assert described["outcomes"]["columns"]["unit"].startswith("A unit from data/vocabularies/units.yml")
    assert described["case_studies"]["columns"]["place_name"].startswith("Where it happened. The place as the source names it")
    assert described["themes"]["label_column"] == "label"


def test_a_views_columns_say_what_their_source_columns_say_and_where_they_come_from(published):
    tables = json.loads((published / DATABASE_METADATA_FILE).read_text())["databases"][DATABASE_NAME]["tables"]
    measured, overview = tables["measured_outcomes"]["columns"], tables["case_study_overview"]["columns"]
    # A renamed column carries the schema's description of the column it shows, and names it.
    assert measured["place"] == tables["case_studies"]["columns"]["place_name"] + " From case_studies.place_name."
    assert measured["metric"] == tables["outcomes"]["columns"]["metric"] + " From outcomes.metric."
    # A label looked up, a source filled in and a count say what the view did.
    assert measured["region"].startswith(tables["case_studies"]["columns"]["place_region"])
    assert measured["region"].endswith("as its label in regions.")
    assert measured["source_key"].startswith(tables["case_study_sources"]["columns"]["key"])
    assert "or else the case study's first" in measured["source_key"]
    assert overview["outcomes"].startswith("How many rows the case study has in outcomes")
    assert tables["outcomes"]["description"] in overview["outcomes"]


def test_a_view_column_from_a_column_the_database_lacks_is_refused(kb, monkeypatch):
    view = VIEWS["measured_outcomes"]
    wrong = dataclasses.replace(view, columns=(*view.columns, ViewColumn("extra", "o.extra", "outcomes.extra")))
    monkeypatch.setitem(VIEWS, "measured_outcomes", wrong)
    with pytest.raises(DatabaseError, match=r"view measured_outcomes: column extra comes from outcomes.extra"):
        view_descriptions(knowledge_base_tables(kb))


def test_the_same_records_give_the_same_database_bytes(kb, published, tmp_path):
    publish_database(kb, load_package(ROOT), tmp_path)
    assert (tmp_path / DATABASE_FILE).read_bytes() == (published / DATABASE_FILE).read_bytes()
    assert (tmp_path / DATABASE_METADATA_FILE).read_text() == (published / DATABASE_METADATA_FILE).read_text()


def test_hostile_text_is_stored_as_data(tmp_path):
    knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    hostile = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    title = "x'); DROP TABLE case_studies; -- \"quoted\""
    hostile.update(id="hostile-case", title=title, organisations=["Robert'); DROP TABLE outcomes;--"])
    (tmp_path / "case_studies" / "hostile-case.yml").write_text(yaml.safe_dump(hostile, sort_keys=False))
    kb = load_knowledge_base(tmp_path)
    assert kb.ok, kb.problems
    publish_database(kb, None, tmp_path / "out")
    con = sqlite3.connect(tmp_path / "out" / DATABASE_FILE)
    assert con.execute("SELECT title FROM case_studies WHERE id = 'hostile-case'").fetchone() == (title,)
    assert con.execute("SELECT count(*) FROM outcomes").fetchone()[0] == sum(len(r.outcomes) for r in kb.records.values())


def test_a_reference_to_something_missing_fails_naming_the_table(kb, tmp_path):
    tables = knowledge_base_tables(kb)
    themes = next(t for t in tables if t.name == "themes")
    themes.rows = [row for row in themes.rows if row[0] != "social-prescribing"]
    with pytest.raises(DatabaseError, match=r"table case_study_themes: FOREIGN KEY constraint failed"):
        write_database(tables, tmp_path / DATABASE_FILE)
    assert not (tmp_path / DATABASE_FILE).exists(), "no half-written database is published"


def test_data_package_tables_cannot_take_a_knowledge_base_tables_name(kb):
    names = {t.name for t in database_tables(kb, load_package(ROOT))}
    knowledge = {t.name for t in knowledge_base_tables(kb)}
    assert not any(n.startswith(DATASET_PREFIX) for n in knowledge | set(VIEWS))
    assert "dataset_phc_2015_survey" in names
    package = load_package(ROOT)  # cached and shared: changed only in a copy
    twin = dict(package.resources[0], name=package.resources[0]["name"].replace("-", "_"))
    doubled = DataPackage(package.data_dir, dict(package.descriptor, resources=[*package.resources, twin]))
    with pytest.raises(DatabaseError, match="rename one of them"):
        package_tables(doubled, set())


class Factor(Strict):
    """A lesson's factor."""


class Lesson(Strict):
    """Something that helped or hindered."""

    statement: str = Field(description="What was learnt.")
    factors: list[str] = vocabulary("themes", description="The factors it names.")
    source: SourceRef = Field(description="Where the source says it.")


class Case(Strict):
    """A case."""

    id: str = Field(description="Its id.")
    lessons: list[Lesson] = Field(default_factory=list, description="Its lessons.")


def test_a_list_added_to_the_schema_becomes_tables_with_keys_and_descriptions():
    case = Case(id="c1", lessons=[Lesson(statement="s1", factors=["a", "b"], source=SourceRef(key="k", locator="p. 1"))])
    cases = shape(Case, "case_studies", "Cases.")
    cases.add(case, ())
    tables = {t.name: t for t in cases.tables()}
    assert set(tables) == {"case_studies", "lessons", "lesson_factors"}
    lessons, factors = tables["lessons"], tables["lesson_factors"]
    assert lessons.primary_key == ("case_study_id", "lesson") and lessons.rows == [("c1", 1, "s1", "k", "p. 1")]
    assert factors.primary_key == ("case_study_id", "lesson", "position")
    assert factors.parent == (("case_study_id", "lesson"), "lessons")
    assert factors.rows == [("c1", 1, 1, "a"), ("c1", 1, 2, "b")]
    assert [c.references for c in factors.columns if c.name == "theme"] == ["themes(id)"]
    assert [c.description for c in lessons.columns if c.name == "source_locator"][0].startswith("Where the source says it. Where in the work")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_datasette_serves_the_database_with_its_metadata(kb, published):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(published / DATABASE_FILE), "--metadata",
         str(published / DATABASE_METADATA_FILE), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return json.load(response)

    try:
        for _ in range(100):
            try:
                get("/-/versions.json")
                break
            except OSError:
                time.sleep(0.2)
        assert get("/-/metadata.json")["title"] == "Place-based health and care evidence book"
        cases = get(f"/{DATABASE_NAME}/case_studies.json?_shape=array&_size=max")
        assert sorted(c["id"] for c in cases) == sorted(kb.records)
        domain = "hospital-use"
        query = urllib.parse.urlencode({"sql": "SELECT count(*) AS n FROM outcomes WHERE domain = :d", "d": domain, "_shape": "array"})
        counted = get(f"/{DATABASE_NAME}.json?{query}")[0]["n"]
        assert counted == sum(o.domain == domain for r in kb.records.values() for o in r.outcomes) > 0
        labelled = get(f"/{DATABASE_NAME}/outcomes.json?_shape=array&_labels=on&_size=1")[0]
        assert labelled["kind"]["label"] == kb.vocabularies["outcome_kinds"].label(labelled["kind"]["value"])
        with urllib.request.urlopen(f"{base}/{DATABASE_NAME}/outcomes", timeout=10) as response:
            page = response.read().decode()
        assert "A unit from data/vocabularies/units.yml" in page, "the column descriptions show on the table page"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_built_book_publishes_the_database_beside_its_exports(built_book):
    data = built_book / "data"
    con = sqlite3.connect(data / DATABASE_FILE)
    exported = json.loads((data / "case-studies.json").read_text())
    assert con.execute("SELECT count(*) FROM case_studies").fetchone()[0] == exported["count"]
    assert json.loads((data / DATABASE_METADATA_FILE).read_text())["databases"][DATABASE_NAME]["tables"]["outcomes"]
