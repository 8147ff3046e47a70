"""Exports: every record in the JSON and CSV files with its page URL; values exact; CSV safe; bytes stable."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from evidencebook.publish.export import export_texts
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.schema import CaseStudy

from .conftest import FIXTURES, knowledge_root


@pytest.fixture
def kb(tmp_path):
    knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
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


def test_exports_carry_each_case_studys_status(kb):
    texts = export_texts(kb)
    assert json.loads(texts["case-studies.json"])["case_studies"][1]["status"] == "ended"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(texts["case-studies.csv"]))}
    assert rows["sample-case"]["status"] == "ended"
    data = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    del data["status"]
    assert CaseStudy.model_validate(data).status == "not-known", "a record that does not say has the status not-known"


def test_outcome_values_in_exports_equal_the_records(kb):
    texts = export_texts(kb)
    rows = [r for r in csv.DictReader(io.StringIO(texts["outcomes.csv"])) if r["case_study_id"] == "sample-case"]
    assert [(r["metric"], r["value"], r["value_max"], r["unit"], r["scale"], r["kind"]) for r in rows] == [
        ("Delayed transfers of care", "15", "20", "percent", "", "measured"),
        ("Projected saving", "2.5", "", "GBP per year", "million", "modelled-estimate"),
        ("Effect on readmissions", "", "", "", "", "reported-change"),
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


def test_catalogue_index_holds_every_record_with_its_facet_values(kb):
    texts = export_texts(kb)
    index = json.loads(texts["catalogue-index.json"])
    words = json.loads(texts["catalogue-text.json"])
    records = {c["id"]: c for c in json.loads(texts["case-studies.json"])["case_studies"]}
    assert index["count"] == len(index["records"]) == len(words) == len(records)
    assert index["url"].replace("{id}", "sample-case") == records["sample-case"]["url"]
    facets = [f["key"] for f in index["facets"]]
    row = next(r for r in index["records"] if r[0] == "sample-case")
    decoded = {key: [index["facets"][i]["values"][v][0] for v in row[4 + i]] for i, key in enumerate(facets)}
    sample = records["sample-case"]
    assert decoded["theme"] == sample["themes"] and decoded["model"] == sample["model"]
    assert decoded["kind"] == list(dict.fromkeys(o["kind"] for o in sample["outcomes"]))
    assert decoded["source"] == [s["key"] for s in sample["sources"]]
    assert decoded["period"] == ["2010s"] and decoded["region"] == ["north-west"]
    assert "sampletown" in row[2].casefold()
    # The other orders' keys, record by record (the catalogue's sort menu).
    at = [r[0] for r in index["records"]].index("sample-case")
    assert set(index["order"]) == {"evidence", "period"}
    assert all(len(keys) == len(index["records"]) for keys in index["order"].values())
    assert index["order"]["evidence"][at] == kb.vocab("evidence_types").by_id[sample["evidence"]["type"]].rank
    assert index["order"]["period"][at] == sample["period"]["start"]
    assert index["periods"][at].startswith(str(sample["period"]["start"]))


def test_the_written_exports_are_checked_against_the_records(kb, tmp_path):
    from evidencebook.publish.export import check_exports, write_exports

    out = tmp_path / "site-data"
    write_exports(kb, out)
    assert check_exports(kb, out) == []

    def tamper(name, old, new):
        path = out / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    tamper("outcomes.csv", "sample-case,3,", "sample-caze,3,")  # a row lost to another id
    tamper("case-studies.json", '"value": 2.5', '"value": 2.5000000000000004')  # float drift
    tamper("case-studies.json", '"unit": "percent"', '"unit": "%"')  # unit drift
    rows = list(csv.reader(io.StringIO((out / "case-studies.csv").read_text(encoding="utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([rows[0], rows[1], rows[1]])  # one repeated, one lost
    (out / "case-studies.csv").write_text(buffer.getvalue(), encoding="utf-8")
    found = "\n".join(check_exports(kb, out))
    assert "outcomes.csv: sample-case has 2 rows, its record 3 outcomes" in found
    assert "outcomes.csv: rows for case studies without a record: sample-caze" in found
    assert "case-studies.json: formula-case outcome 2 value is 2.5000000000000004, the record says 2.5" in found
    assert "case-studies.json: formula-case outcome 1 unit or scale differs from the record" in found
    assert "case-studies.csv: case studies missing: sample-case" in found
    assert "case-studies.csv: case studies repeated: formula-case" in found
    (out / "outcomes.csv").unlink()
    assert "outcomes.csv: was not written" in check_exports(kb, out)


def test_downloads_give_absolute_addresses_and_the_sites_own_indexes_relative_ones(kb):
    """A downloaded CSV or JSON file still leads to the pages; the catalogue's and the comparison's
    indexes keep addresses relative to the site, so a copy served anywhere links to itself."""
    site = "https://example.org/book/"
    texts = export_texts(kb, site, cite=lambda record: {"harvard": f"ref of {record.id}"})
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(texts["case-studies.csv"]))}
    assert rows["sample-case"]["url"] == "https://example.org/book/cases/sample-case.html"
    records = {c["id"]: c for c in json.loads(texts["case-studies.json"])["case_studies"]}
    assert records["sample-case"]["url"] == rows["sample-case"]["url"]
    assert records["sample-case"]["citation"] == {"harvard": "ref of sample-case"}
    assert json.loads(texts["catalogue-index.json"])["url"] == "cases/{id}.html"
    assert json.loads(texts["outcomes-index.json"])["url"] == "cases/{id}.html"
