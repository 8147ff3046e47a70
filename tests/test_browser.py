"""The built book in a real browser, with the network cut off: charts draw, nothing leaves 127.0.0.1,
no console errors, and screenshots for reviewers."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

KEY_PAGES = ["index.html", "cases/index.html", "cases/list/1.html", "chapters/overview.html", "bibliography.html"]


def a_case_page(built_book: Path) -> str:
    return "cases/" + sorted(p.name for p in (built_book / "cases").glob("*.html") if p.name != "index.html")[0]


@pytest.mark.parametrize("path", KEY_PAGES + ["<case>"])
def test_pages_load_offline_without_errors_or_external_requests(open_page, built_book, path):
    path = a_case_page(built_book) if path == "<case>" else path
    page = open_page(path)
    assert page.external == [], f"{path} asked for {page.external}"
    assert page.console_errors == [], f"{path}: {page.console_errors}"


def test_every_chart_on_every_chapter_is_drawn(open_page, built_book):
    chapter_pages = [p for p in built_book.rglob("*.html") if 'class="kb-chart"' in p.read_text()]
    assert chapter_pages, "the book has charts"
    for html in chapter_pages:
        path = html.relative_to(built_book).as_posix()
        page = open_page(path)
        charts = page.page.locator(".kb-chart")
        page.page.wait_for_function(
            "() => [...document.querySelectorAll('.kb-chart')].every(c => c.querySelector('.vega-embed svg'))",
            timeout=15_000,
        )
        assert charts.count() == page.page.locator(".kb-chart .vega-embed svg").count() > 0, path
        assert page.external == [] and page.console_errors == [], (path, page.external, page.console_errors)


@pytest.mark.parametrize("width, name", [(1280, "desktop"), (390, "phone")])
def test_screenshots_of_key_pages_for_review(open_page, built_book, width, name):
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for path in KEY_PAGES + [a_case_page(built_book)]:
        page = open_page(path, width)
        target = out / f"{path.replace('/', '_').removesuffix('.html')}-{name}.png"
        page.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
