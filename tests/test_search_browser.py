"""Site search in Chromium, at 390 px and 1366 px: numbers are found (Sphinx's search page drops query
words made of digits; static/js/kb-search.js puts them back), a case study is found by its id, and a
result's snippet is the article's text, not the buttons, breadcrumb and lists around it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .browser import Page

pytestmark = [pytest.mark.browser, pytest.mark.build]

WIDTHS = [390, 1366]
HEIGHT = {390: 844, 1366: 900}
# Text of the page around the article; none of it may be a result's snippet.
FURNITURE = ["Back to the catalogue", "Skip to main content", "On this page", "Print to PDF", "Toggle", "Contents", ".md", ".pdf"]


@pytest.fixture(scope="module")
def cases(built_book: Path) -> list[dict]:
    return json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]


def a_number_on_a_case_page(built_book: Path, cases: list[dict]) -> tuple[str, str]:
    """(a whole number of three or more digits, not a year, that a record's outcomes give and its case
    page shows, that case's id): the first by id."""
    for case in sorted(cases, key=lambda c: c["id"]):
        page = (built_book / "cases" / f"{case['id']}.html").read_text(encoding="utf-8")
        for outcome in case.get("outcomes", []):
            value = outcome.get("value")
            if isinstance(value, int) and value >= 100 and not 1900 <= value <= 2100 and re.search(rf"\b{value}\b", page):
                return str(value), case["id"]
    pytest.fail("no record gives a whole number of three digits or more")


def an_id_unlike_its_title(cases: list[dict]) -> str:
    """The case id with the most words its title lacks: found by its words alone, it would not be."""
    def missing(case):
        title = set(re.findall(r"\w+", case["title"].casefold()))
        return sum(word not in title for word in case["id"].split("-"))

    return max(sorted(cases, key=lambda c: c["id"]), key=missing)["id"]


def search(open_page, words: str, width: int) -> tuple[Page, list[tuple[str, str]]]:
    """The results of searching `words`: (page address, snippet) each, best first."""
    page = open_page(f"search.html?q={words}", width, HEIGHT[width])
    page.page.wait_for_selector("#search-results .search-summary", timeout=20_000)
    page.page.wait_for_function("() => !document.querySelector('#search-results ul.search li') || document.querySelector('#search-results ul.search li p.context')")
    results = page.page.eval_on_selector_all(
        "#search-results ul.search > li",
        "items => items.map(li => [li.querySelector('a').href, (li.querySelector('p.context') || {}).textContent || ''])",
    )
    return page, [(re.sub(r"^https?://[^/]+/", "", href).split("#")[0].split("?")[0], snippet) for href, snippet in results]


def assert_body_snippet(snippet: str, what: str) -> None:
    assert snippet.strip(), f"{what}: no snippet"
    found = [word for word in FURNITURE if word in snippet]
    assert found == [], f"{what}: the snippet holds page furniture {found}: {snippet!r}"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_number_finds_the_case_page_that_gives_it_with_a_snippet_from_its_body(open_page, built_book, cases, width):
    number, case_id = a_number_on_a_case_page(built_book, cases)
    page, results = search(open_page, number, width)
    pages = [address for address, _ in results]
    assert f"cases/{case_id}.html" in pages, f"searching {number} finds {pages[:10]}, not cases/{case_id}.html"
    snippet = dict(results)[f"cases/{case_id}.html"]
    assert number in snippet, f"the snippet shows where the page says {number}: {snippet!r}"
    assert_body_snippet(snippet, f"{number} on {case_id}")
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_231_is_found_where_the_book_says_it(open_page, built_book, width):
    holding = {
        path.relative_to(built_book).as_posix()
        for path in built_book.rglob("*.html")
        if re.search(r">[^<]*\b231\b[^<]*<", path.read_text(encoding="utf-8")) and "_static" not in path.parts
    }
    _, results = search(open_page, "231", width)
    assert results, "searching 231 finds nothing"
    found = {address for address, _ in results}
    assert found & holding, f"231 found on {sorted(found)}, the book says it on {sorted(holding)}"
    for address, snippet in results:
        if address in holding:
            assert_body_snippet(snippet, f"231 on {address}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_case_id_finds_its_page_first(open_page, cases, width):
    case_id = an_id_unlike_its_title(cases)
    _, results = search(open_page, case_id, width)
    assert results and results[0][0] == f"cases/{case_id}.html", f"searching {case_id} gives {[a for a, _ in results[:5]]}"
    assert_body_snippet(results[0][1], case_id)
