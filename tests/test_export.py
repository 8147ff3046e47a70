"""Exports: every record in the JSON and CSV files with its page URL; values exact; CSV safe; bytes stable."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml

from evidencebook.export import export_texts
from evidencebook.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT


@pytest.fixture
def kb(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "case_studies").mkdir()
    shutil.copy(FIXTURES / "sample-case.yml", tmp_path / "case_studies")
    hostile = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    hostile.update(id="formula-case", title="=HYPERLINK(\"http://evil.example\",\"x\")", organisations=["+cmd", "@SUM(A1)", "-2+3"])
    (tmp_path / "case_studies" / "formula-case.yml").write_text(yaml.safe_dump(hostile, sort_keys=False))
    kb = load_knowledge_base(tmp_path)
    assert kb.ok, kb.problems
    return kb


def test_every_record_is_in_the_json_with_its_page_url(kb):
    data = json.loads(export_texts(kb)["case-studies.json"])
    assert data["count"] == 2
    assert [c["id"] for c in data["case_studies"]] == ["formula-case", "sample-case"]
    sample = data["case_studies"][1]
    assert sample["url"] == "cases/sample-case.html"
    assert sample["sources"][0]["citation"].startswith("Place-Based Health Commission")


def test_outcome_values_in_exports_equal_the_records(kb):
    texts = export_texts(kb)
    rows = [r for r in csv.DictReader(io.StringIO(texts["outcomes.csv"])) if r["case_study_id"] == "sample-case"]
    assert [(r["metric"], r["value"], r["value_max"], r["unit"], r["scale"], r["kind"]) for r in rows] == [
        ("Delayed transfers of care", "15", "20", "percent", "", "measured"),
        ("Projected saving", "2.5", "", "GBP per year", "million", "modelled-estimate"),
        ("Effect on readmissions", "", "", "", "", "measured"),
    ]
    json_outcomes = json.loads(texts["case-studies.json"])["case_studies"][1]["outcomes"]
    record = kb.records["sample-case"]
    assert [o.get("value") for o in json_outcomes] == [o.value for o in record.outcomes]
    assert rows[0]["source_locator"] == "Case study 99" and rows[1]["source_locator"] == "Case study 99, p. 1"


def test_csv_cells_cannot_become_spreadsheet_formulas(kb):
    texts = export_texts(kb)
    row = next(r for r in csv.DictReader(io.StringIO(texts["case-studies.csv"])) if r["id"] == "formula-case")
    assert row["title"].startswith("'=")
    assert row["organisations"] == "'+cmd; @SUM(A1); -2+3"


def test_exports_are_byte_for_byte_reproducible(kb):
    assert export_texts(kb) == export_texts(load_knowledge_base(kb.root))
