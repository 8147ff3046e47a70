"""A data file that passes `make validate` never fails a chapter: what the data chapters draw is
computed during validation, and what they cannot draw is reported against the file (chaptercheck.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencebook.tools.cli import main

from .conftest import knowledge_root

RESPONDENTS = Path("data/survey/phc-2015-survey-respondents.csv")


def validate(book: Path, capsys) -> tuple[int, str]:
    status = main(["--root", str(book), "validate"])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_the_real_data_gives_the_chapters_everything_they_draw(tmp_path: Path, capsys):
    status, output = validate(knowledge_root(tmp_path / "book"), capsys)
    assert status == 0, output
    assert "a chapter cannot draw" not in output


def test_a_row_the_survey_chapter_needs_is_missing(tmp_path: Path, capsys):
    book = knowledge_root(tmp_path / "book")
    path = book / RESPONDENTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if ",survey reach,,respondents," not in line), encoding="utf-8")
    status, output = validate(book, capsys)
    assert status == 1
    assert (
        f"{RESPONDENTS.as_posix()}:1: (data): a chapter cannot draw this file's data: "
        "expected one 'survey reach' row for 'respondents' with a value, found 0"
    ) in output
    assert "Traceback" not in output


def test_a_dataset_a_chapter_draws_is_removed(tmp_path: Path, capsys):
    book = knowledge_root(tmp_path / "book")
    descriptor = book / "data" / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    gone = next(r for r in package["resources"] if r["name"] == "life-expectancy")
    package["resources"].remove(gone)
    descriptor.write_text(json.dumps(package, indent=2), encoding="utf-8")
    (book / "data" / gone["path"]).unlink()
    status, output = validate(book, capsys)
    assert status == 1
    assert "data/datapackage.json:1: (data): a chapter cannot draw this file's data: no resource named 'life-expectancy'" in output


def test_outside_a_book_the_command_says_so_in_one_line(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, output = validate(tmp_path, capsys)
    assert status == 2
    assert output.strip().startswith("evidencebook: no book root") and "Traceback" not in output


@pytest.mark.parametrize(
    "path, old, new, expected",
    [
        (
            "data/life-expectancy.csv",
            ",female,1948,70,",
            ",female,,70,",
            "year is empty — the chart places each value by its year: fill it in",
        ),
        (
            RESPONDENTS.as_posix(),
            ",third and other sectors,29.4,,29.4 per cent,percent of respondents,231,stated,",
            ",third and other sectors,,,not given,percent of respondents,231,missing,",
            "value is empty — the chart draws every sector and adds them up: fill it in",
        ),
    ],
    ids=["life-expectancy-year", "sector-share"],
)
def test_an_empty_cell_a_chart_draws_is_reported_at_its_line(tmp_path: Path, capsys, path, old, new, expected):
    book = knowledge_root(tmp_path / "book")
    lines = (book / path).read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(number for number, text in enumerate(lines, 1) if old in text)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    (book / path).write_text("".join(lines), encoding="utf-8")

    status, output = validate(book, capsys)
    assert status == 1
    assert f"{path}:{line}: (data): a chapter cannot draw this file's data: {expected}" in output
    assert "Traceback" not in output
