"""The weight budget (issue 19): what each kind of page transfers with everything it loads.

The home page, a case page and the catalogue: at most 300 KB compressed and 1,000 KB uncompressed;
pages with charts, and the search page with its index: at most 1.5 MB uncompressed. Measured by
evidencebook.sphinx.weight, which the benchmark uses too (scripts/bench.py --weights).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from evidencebook.sphinx.themecss import EXPECTED_CUT, without_icon_classes
from evidencebook.sphinx.weight import CHART_BUDGET, PAGE_BUDGET, budget_for, loaded_files, page_kinds, weigh

# Pages with charts cannot fit 1.5 MB yet: the Vega bundle (vega, vega-lite and vega-embed, 898 KB)
# and the theme (about 620 KB) fill it before the page's own HTML, whose charts carry their data
# twice (the static SVG and the spec). Strict: once they fit, this fails until the mark goes.


# --- the measure itself, on a small site -----------------------------------------------------------


def _site(tmp_path: Path) -> Path:
    (tmp_path / "_static" / "fonts").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "index.html").write_text(
        '<html><head><link rel="stylesheet" href="_static/a.css?v=1"><link rel="preload" as="script" href="_static/b.js">'
        '<script src="_static/b.js"></script><script src="https://elsewhere.example/x.js"></script>'
        '<link rel="icon" href="_static/icon.svg"><link rel="next" href="other.html"></head>'
        '<body><img src="_static/pic.png"><div data-kb-index="data/index.json"></div><a href="other.html">x</a></body></html>'
    )
    (tmp_path / "_static" / "a.css").write_text(
        '@import "c.css"; .x{background:url(pic.png)} .y{mask:url("data:image/svg+xml,<svg/>")}'
        '@font-face{font-family:F;src:url(fonts/f.woff2)}'
    )
    (tmp_path / "_static" / "c.css").write_text("p{color:red}" * 100)
    (tmp_path / "_static" / "b.js").write_text("var a = 1;\n" * 1000)
    (tmp_path / "_static" / "icon.svg").write_text("<svg/>")
    (tmp_path / "_static" / "pic.png").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "_static" / "fonts" / "f.woff2").write_bytes(b"0" * 5000)
    (tmp_path / "data" / "index.json").write_text("[]")
    (tmp_path / "other.html").write_text("<html></html>")
    return tmp_path


def test_a_page_weighs_what_it_loads_once_each_and_no_more(tmp_path):
    root = _site(tmp_path)
    files = loaded_files(root, "index.html")
    assert files == [
        "index.html",
        "_static/a.css",
        "_static/b.js",
        "_static/icon.svg",
        "_static/pic.png",
        "data/index.json",
        "_static/c.css",
    ], "links to other pages, other hosts, data: addresses and fonts are not loads; a file counts once"
    weight = weigh(root, "index.html")
    assert weight.raw == sum((root / f).stat().st_size for f in files)
    assert weight.gzip == sum(len(gzip.compress((root / f).read_bytes(), 6)) for f in files)
    assert weight.biggest(1)[0].path == "_static/b.js"


def test_over_budget_names_what_is_over_and_the_biggest_files(tmp_path):
    root = _site(tmp_path)
    weight = weigh(root, "index.html")
    assert weight.over(PAGE_BUDGET) == []
    tight = type(PAGE_BUDGET)(raw=1000, gzip=100)
    over = weight.over(tight)
    assert len(over) == 2 and "uncompressed" in over[0] and "compressed" in over[1]
    assert "index.html" in weight.describe() and "_static/b.js" in weight.describe()


def test_the_theme_sheet_loses_font_awesome_classes_and_keeps_everything_else():
    import pydata_sphinx_theme

    sheet = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / "styles" / "pydata-sphinx-theme.css"
    css = sheet.read_text(encoding="utf-8")
    lighter, cut = without_icon_classes(css)
    assert EXPECTED_CUT[0] <= cut <= EXPECTED_CUT[1]
    assert ".fa-bars:before" in css and ".fa-bars:before" not in lighter
    assert ".fa-yelp:before" not in lighter
    assert css[: css.index("/*!\n * Font Awesome Free")] in lighter, "the theme's rules before Font Awesome's part stay"
    assert "html{--pst-header-height" in lighter and ".theme-switch-button" in lighter, "the theme's rules after it stay"
    assert "--fa-font-solid:" in lighter and "@font-face" in lighter, "the font stays for icons the theme's CSS draws"
    assert ".sr-only" in lighter


# --- the built book -------------------------------------------------------------------------------


def _check(root: Path, page: str, budget, files=None) -> None:
    weight = weigh(root, page, files)
    over = weight.over(budget)
    assert not over, f"{' and '.join(over)}: {weight.describe(6)}"


@pytest.mark.parametrize("kind", ["home", "case page", "catalogue", "search"])
def test_pages_without_charts_are_within_the_budget(built_book, kind):
    page = page_kinds(built_book)[kind]
    assert budget_for(built_book, page) is (CHART_BUDGET if kind == "search" else PAGE_BUDGET)
    _check(built_book, page, budget_for(built_book, page))


def _site_pages(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html") if not p.relative_to(root).parts[0].startswith("_"))


def _over_budget(root: Path, charts: bool) -> list[str]:
    found = []
    for page in _site_pages(root):
        budget = budget_for(root, page)
        if (budget is CHART_BUDGET and page != "search.html") == charts:
            weight = weigh(root, page)
            if weight.over(budget):
                found.append(f"{' and '.join(weight.over(budget))}: {weight.describe(4)}")
    return found


def test_every_page_without_charts_is_within_the_budget(built_book):
    over = _over_budget(built_book, charts=False)
    assert not over, "\n".join(over)


def test_every_page_with_charts_is_within_the_budget(built_book):
    over = _over_budget(built_book, charts=True)
    assert not over, "\n".join(over)


def test_no_page_loads_font_awesome_and_only_the_search_page_loads_the_search_index(built_book):
    wrong = []
    for page in _site_pages(built_book):
        files = loaded_files(built_book, page)
        if any("fontawesome" in f for f in files):
            wrong.append(f"{page} loads Font Awesome")
        if ("searchindex.js" in files) != (page == "search.html"):
            wrong.append(f"{page} {'loads' if 'searchindex.js' in files else 'does not load'} the search index")
    assert not wrong, "\n".join(wrong[:20])


# --- in Chromium: the measure misses nothing the browser fetches ---------------------------------


@pytest.mark.parametrize("kind", ["home", "case page", "catalogue", "search", "summary chapter"])
def test_chromium_fetches_nothing_the_measure_leaves_out(browser, site, built_book, kind):
    page_path = page_kinds(built_book)[kind]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        fetched: list[str] = []
        tab.on("requestfinished", lambda request: fetched.append(request.url))
        tab.goto(f"{site}/{page_path}")
        tab.wait_for_load_state("networkidle")
    finally:
        context.close()
    local = {urlsplit(url).path.lstrip("/") for url in fetched if url.startswith(site)}
    measured = set(loaded_files(built_book, page_path))
    missed = sorted(local - measured)
    assert not missed, f"{page_path}: Chromium fetched files the weight leaves out: {missed}"
    assert not any("fontawesome" in f or f.endswith((".woff2", ".ttf")) for f in local), f"{page_path} fetched a font: {sorted(local)}"
