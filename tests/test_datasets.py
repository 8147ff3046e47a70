"""The data package: valid, complete, honest about missing values; the survey chapter draws only it.

Unit tests read data/ directly; the `built_book` tests check what readers get: every chart's CSV
download on the survey chapter traces line by line to the CSV files, and the site serves the data.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from evidencebook.chapters import datafigures
from evidencebook.publish.datadictionary import _constraints_text, dataset_pages, dictionary_part
from evidencebook.records.datasets import (
    LINE_COLUMN,
    PACKAGE_FILE,
    STATUS_LABELS,
    DataError,
    load_package,
)

from .chartfiles import chart_downloads
from .conftest import ROOT

DATA = ROOT / "data"
NO_NUMBER = ("missing", "not-given", "stated-in-words")  # statuses whose rows may hold no value
HAS_NUMBER = ("stated", "paired-by-position")


@pytest.fixture(scope="module")
def package():
    return load_package(ROOT)


def number_fields(package, name):
    # `base` is how many answered, not the value itself: it may be stated for a missing value.
    return [
        f["name"]
        for f in package.fields(name)
        if f.get("type") in ("number", "integer") and f["name"] != "base"
    ]


def test_the_data_package_validates_with_frictionless():
    report = frictionless.validate(str(DATA / PACKAGE_FILE))
    problems = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, "\n".join(problems) or report.errors


def test_every_csv_in_data_is_described_and_every_resource_file_exists(package):
    described = {res["path"] for res in package.resources}
    on_disk = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*.csv")}
    assert on_disk - described == set(), "CSV files in data/ that datapackage.json does not describe"
    assert described - on_disk == set(), "resources in datapackage.json without their CSV file"


def test_every_field_is_documented_and_every_resource_has_source_and_licence(package):
    licences = package.descriptor.get("licenses")
    for res in package.resources:
        assert res.get("description"), res["name"]
        assert res.get("sources") or package.descriptor.get("sources"), res["name"]
        assert res.get("licenses") or licences, res["name"]
        for spec in res["schema"]["fields"]:
            assert spec.get("description"), f"{res['name']}.{spec['name']} has no description"


def test_status_values_are_allowed_and_only_numbered_statuses_carry_a_number(package):
    for name in package.names:
        fields = {f["name"]: f for f in package.fields(name)}
        if "status" not in fields:
            continue
        assert set(fields["status"]["constraints"]["enum"]) <= set(STATUS_LABELS), name
        frame = package.frame(name)
        values = number_fields(package, name)
        assert set(frame["status"]) <= set(STATUS_LABELS), name
        for _, row in frame.iterrows():
            where = f"{package.path(name)}:{row[LINE_COLUMN]}"
            if row["status"] in NO_NUMBER:
                assert all(pd.isna(row[v]) for v in values), f"{where}: a {row['status']} row holds a value"
            else:
                assert any(pd.notna(row[v]) for v in values), f"{where}: a {row['status']} row has no value"


def test_frames_are_typed_by_the_schema_and_missing_cells_stay_missing(package):
    for name in package.names:
        raw, typed = package.raw(name), package.frame(name)
        for spec in package.fields(name):
            column = spec["name"]
            empty = (raw[column] == "").sum()
            assert typed[column].isna().sum() == empty, f"{name}.{column}: missing cells not kept missing"
            if spec["type"] == "number":
                assert typed[column].dtype == "float64"
            elif spec["type"] == "integer":
                assert str(typed[column].dtype) == "Int64"
    survey = package.frame("phc-2015-survey")
    first = survey[survey["status"] == "paired-by-position"].iloc[0]
    assert first["value"] == 32.0 and first["category"].startswith("Lack of strong systems leadership")


def test_a_bad_cell_is_reported_with_file_line_field_and_fix(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "life-expectancy.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",66,", ",sixty-six,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    broken = load_package(tmp_path)
    with pytest.raises(
        DataError, match=r"life-expectancy\.csv:2: value: 'sixty-six' is not a number — write the number only"
    ):
        broken.frame("life-expectancy")


def test_charts_are_computed_from_the_csv_files(tmp_path):
    """Change a value in a copy of data/: the chart's data follows it."""
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "survey" / "phc-2015-survey.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(",32,,32%,") == 1
    path.write_text(text.replace(",32,,32%,", ",31,,31%,"), encoding="utf-8")
    changed = datafigures.survey_chart_figure(load_package(tmp_path), "fig-14-top-challenge")
    assert changed.data["value"].tolist()[0] == 31
    assert "add up to 76, not 100" in changed.description


def test_paired_values_are_flagged_and_missing_values_never_drawn(package):
    figures = datafigures.chapter_figures(package)
    for name, fig in figures.items():
        if "status" in fig.data:
            assert not fig.data["status"].isin(NO_NUMBER).any(), f"{name} draws rows without a value"
        if "how known" in fig.data:
            paired = fig.data["status"] == "paired-by-position"
            assert (fig.data.loc[paired, "how known"] == STATUS_LABELS["paired-by-position"]).all()
            if paired.any():
                assert "paired with their values by position" in fig.description, name
    fig14 = figures["survey-fig-14-top-challenge"]
    total = sum(fig14.data["value"])
    assert total != 100 and f"add up to {total}, not 100" in fig14.description


def test_the_survey_chapter_shows_every_survey_row_exactly_once(package):
    coverage = datafigures.survey_coverage(package)
    shown = [line for lines in coverage.values() for line in lines]
    assert sorted(shown) == sorted(package.frame("phc-2015-survey")[LINE_COLUMN]), coverage
    missing_lines = set(package.frame("phc-2015-survey").query("status == 'missing'")[LINE_COLUMN])
    listed = datafigures.missing_survey_figures(package)
    assert missing_lines <= set(listed.loc[listed["dataset"] == "survey/phc-2015-survey.csv", LINE_COLUMN])
    # a figure in neither file's charts but in the respondents file (Figures 17-18) is listed too
    assert "Figures 17-18" in set(listed["figure"])


def test_funding_gaps_are_kept_apart_by_document(package):
    fig = datafigures.funding_gap_figure(package)
    source = package.frame("funding-gap-estimates")
    assert len(fig.data) == len(source), "every statement gets its own bar; none merged"
    assert set(fig.data["document"]) == {package.source_label(k) for k in source["source_key"]}


def test_the_chapter_types_no_numbers():
    text = (ROOT / "chapters" / "survey.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S))
    assert re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])", code) == []


def test_the_dictionary_shows_an_enum_that_is_not_text_rather_than_crash():
    # validation refuses such an enum (tests/hostile_data/csv/enum-not-text.json); the page must not depend on it
    assert _constraints_text({"constraints": {"required": True, "enum": [1, 2.5]}}) == "required; one of: 1, 2.5"


def test_the_dictionary_describes_every_resource_and_field(package):
    index = dictionary_part(package)
    pages = dataset_pages(package)  # one a table, in chapters/data-dictionary/
    assert list(pages) == [res["name"] for res in package.resources]
    for res in package.resources:
        page = pages[res["name"]]
        assert f"](data-dictionary/{res['name']}.md)" in index  # the chapter lists the table's page
        assert f'href="../../data/{res["path"]}"' in page
        # the page's title, labelled with the anchors the table has always had, then its sections
        assert page.startswith(f"(dataset-{res['name']})=\n(dataset-{res['name']}-title)=\n# ")
        assert "\n## File and source\n" in page and "\n## Fields\n" in page
        for spec in res["schema"]["fields"]:
            assert f"<code>{spec['name']}</code>" in page
    text = "".join(pages.values())
    assert "an empty cell" in text and "CC-BY-4.0" not in text  # licences by their title, linked
    assert "Creative Commons Attribution 4.0" in text


# --- the built book -------------------------------------------------------------------------------


def _same(page_cell: str, source_cell: str) -> bool:
    if page_cell == source_cell:
        return True
    try:
        return float(page_cell) == float(source_cell)
    except ValueError:
        return False


@pytest.mark.build
def test_every_chart_on_the_survey_page_traces_line_by_line_to_data(built_book, package):
    page_path = built_book / "chapters" / "survey.html"
    page = page_path.read_text(encoding="utf-8")
    downloads = chart_downloads(page_path)  # the files the charts link to
    expected = datafigures.chapter_figures(package)
    assert set(downloads) == set(expected), "the page's charts and the chapter's figures differ"
    sources = {
        res["path"]: list(csv.DictReader(io.StringIO(package.path(res["name"]).read_text("utf-8"))))
        for res in package.resources
    }
    for name, text in downloads.items():
        assert text == expected[name].data.to_csv(index=False), (
            f"{name}: page data differ from the data computed from data/"
        )
        for row in csv.DictReader(io.StringIO(text)):
            source = sources[row["dataset"]][int(row[LINE_COLUMN]) - 2]
            for column, cell in row.items():
                if column in source:
                    assert _same(cell, source[column]), (
                        f"{name}: {column}={cell!r} but {row['dataset']}:{row[LINE_COLUMN]} has {source[column]!r}"
                    )
    # every survey figure without values is listed on the page, never drawn
    for figure_label in datafigures.missing_survey_figures(package)["figure"]:
        assert figure_label in html.unescape(page), f"{figure_label!r} is not listed on the page"


@pytest.mark.build
def test_the_site_serves_the_data_package_and_its_csv_files(built_book, package):
    published = built_book / "data"
    assert (published / PACKAGE_FILE).read_bytes() == (DATA / PACKAGE_FILE).read_bytes()
    for res in package.resources:
        assert (published / res["path"]).read_bytes() == package.path(res["name"]).read_bytes(), res["path"]
    assert frictionless.validate(str(published / PACKAGE_FILE)).valid
    # the case-study exports written into the same folder are still there
    assert (published / "case-studies.csv").is_file()


@pytest.mark.build
def test_the_data_dictionary_page_links_to_files_that_exist(built_book, package):
    chapter = built_book / "chapters" / "data-dictionary.html"
    pages = [chapter, *sorted((built_book / "chapters" / "data-dictionary").glob("*.html"))]  # and each table's page
    links = [(page, link) for page in pages for link in re.findall(r'href="((?:\.\./)+data/[^"]+)"', page.read_text(encoding="utf-8"))]
    assert {Path(link).name for _, link in links} >= {Path(res["path"]).name for res in package.resources} | {
        PACKAGE_FILE
    }
    for page, link in links:
        assert (page.parent / link).resolve().is_file(), link
    nav = (built_book / "index.html").read_text(encoding="utf-8")
    assert "chapters/survey.html" in nav and "chapters/data-dictionary.html" in nav
    assert json.loads((built_book / "data" / PACKAGE_FILE).read_text())["resources"]
