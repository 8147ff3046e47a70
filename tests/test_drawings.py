"""Chart drawings kept between builds (chapters/drawings.py): a chapter re-executed after an edit that
leaves a chart's spec alone gets the same SVG without vl-convert drawing it again. No build."""

from __future__ import annotations

import os

import pytest
import vl_convert as vlc

from evidencebook.chapters import drawings
from evidencebook.chapters.drawings import DRAWINGS_DIR, vegalite_svg


def bar_spec(value: int) -> dict:
    return {
        "data": {"values": [{"area": "North", "n": value}, {"area": "South", "n": 2}]},
        "mark": "bar",
        "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "area", "type": "nominal"}},
    }


@pytest.fixture
def in_a_book(tmp_path, monkeypatch):
    """The working directory of a chapter's kernel: a chapter folder inside a book."""
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "case_studies").mkdir()
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "chapters")
    return tmp_path


@pytest.fixture
def draws(monkeypatch):
    """Counts vl-convert's drawings (each still made by vl-convert)."""
    made: list[dict] = []
    draw = vlc.vegalite_to_svg

    def counted(spec):
        made.append(spec)
        return draw(spec)

    monkeypatch.setattr(vlc, "vegalite_to_svg", counted)
    return made


def test_a_spec_drawn_before_is_not_drawn_again_and_gives_the_same_svg(in_a_book, draws):
    first = vegalite_svg(bar_spec(3))
    again = vegalite_svg(bar_spec(3))
    assert len(draws) == 1
    assert again == first
    assert first.lstrip().startswith(("<svg", "<?xml"))
    assert len(list((in_a_book / DRAWINGS_DIR).glob("*.svg"))) == 1


def test_a_changed_spec_is_drawn_anew(in_a_book, draws):
    before = vegalite_svg(bar_spec(3))
    after = vegalite_svg(bar_spec(30))
    assert len(draws) == 2
    assert after != before


def test_the_least_recently_used_drawings_go_beyond_the_limit(in_a_book, draws, monkeypatch):
    monkeypatch.setattr(drawings, "KEEP", 2)
    folder = in_a_book / DRAWINGS_DIR
    vegalite_svg(bar_spec(1))
    vegalite_svg(bar_spec(2))
    oldest = sorted(folder.glob("*.svg"), key=lambda p: p.stat().st_mtime_ns)
    for age, path in enumerate(oldest):  # file times can tie within a clock tick: make the order plain
        os.utime(path, ns=(10**18 + age, 10**18 + age))
    vegalite_svg(bar_spec(1))  # used again: now the most recent
    vegalite_svg(bar_spec(4))  # one too many
    assert len(list(folder.glob("*.svg"))) == 2
    vegalite_svg(bar_spec(1))
    vegalite_svg(bar_spec(2))
    assert len(draws) == 4, "bar 1 was kept as recently used, bar 2 was the one that went"


def test_outside_a_book_nothing_is_kept(tmp_path, monkeypatch, draws):
    monkeypatch.chdir(tmp_path)
    vegalite_svg(bar_spec(3))
    vegalite_svg(bar_spec(3))
    assert len(draws) == 2
    assert list(tmp_path.iterdir()) == []
