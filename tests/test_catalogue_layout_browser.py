"""The catalogue's first screen and its orders, at a phone's 390 px and a laptop's 1366 px: the count
and the first result are on screen as the page opens, the facets are folded on a phone and open
beside the results on a laptop, and each order of the sort menu lists the case studies as their
records say, kept in the page address."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evidencebook.records.kb import load_knowledge_base

from .browser import address
from .conftest import ROOT
from .test_catalogue_browser import CATALOGUE, choice, query, ready

pytestmark = [pytest.mark.browser, pytest.mark.build]

HEIGHT = {390: 844, 1366: 900}
PAGE_SIZE = 50  # results the catalogue draws before "Show more" (static/js/catalogue.js)


@pytest.fixture(scope="module")
def index(built_book: Path) -> dict:
    return json.loads((built_book / "data" / "catalogue-index.json").read_text())


@pytest.fixture(scope="module")
def records() -> dict:
    kb = load_knowledge_base(ROOT)
    return {"records": kb.records, "rank": {t.id: t.rank for t in kb.vocab("evidence_types").terms}}


def listed(page) -> list[str]:
    """The ids of the results shown, top to bottom."""
    hrefs = page.page.eval_on_selector_all(".kb-cat-results a.kb-cat-title", "links => links.map(a => a.href)")
    return [h.rsplit("/", 1)[1].removesuffix(".html") for h in hrefs]


def expected_order(index: dict, records: dict, sort: str) -> list[str]:
    """The ids in the order `sort` names, from the records: ties, and the A to Z order, as the index
    lists them (by title); a record without a key last."""
    titles = [r[0] for r in index["records"]]
    if not sort:
        return titles
    key = sort.lstrip("-")
    down = sort.startswith("-")

    def value(case_id):
        record = records["records"][case_id]
        return records["rank"][record.evidence.type] if key == "evidence" else (record.period.start or record.period.end)

    known = [i for i in titles if value(i) is not None]
    unknown = [i for i in titles if value(i) is None]
    return sorted(known, key=lambda i: -value(i) if down else value(i)) + unknown


@pytest.mark.parametrize("width", [390, 1366])
def test_the_count_and_the_first_result_are_on_the_first_screen(open_page, width, index):
    page = open_page(CATALOGUE, width, HEIGHT[width])
    ready(page)
    status = page.page.locator(".kb-cat-status")
    first = page.page.locator(".kb-cat-results a.kb-cat-title").first
    for what, element in (("the count", status), ("the first result", first)):
        box = element.bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= HEIGHT[width], f"{what} at {width} px: {box}"
    print(f"catalogue at {width} px: count at y={status.bounding_box()['y']:.0f}, first result at y={first.bounding_box()['y']:.0f}")
    assert f"All {index['count']} case studies" in status.inner_text()
    # The count is beside the sort menu, not under the facets.
    sort = page.page.get_by_label("Sort by").bounding_box()
    assert abs(sort["y"] - status.bounding_box()["y"]) < 60 or width == 390


def test_on_a_phone_the_facets_are_folded_until_the_reader_opens_them(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{site}/{CATALOGUE}")
        page.wait_for_selector('[data-kb-module="catalogue"][data-kb-state="ready"]')
        filters = page.locator(".kb-cat-filters")
        assert filters.get_attribute("open") is None
        social = page.get_by_role("checkbox", name=re.compile(r"^Social prescribing \(\d+\)$"))
        assert not social.is_visible()
        page.get_by_text("Filters", exact=True).tap()
        assert social.is_visible()
        social.tap()
        assert page.locator(".kb-cat-filters > summary").inner_text().strip() == "Filters (1 chosen)"
    finally:
        context.close()


def test_on_a_laptop_the_facets_are_open_beside_the_results(open_page):
    page = open_page(CATALOGUE, 1366, 900)
    ready(page)
    assert page.page.locator(".kb-cat-filters").get_attribute("open") is not None
    assert choice(page, "Social prescribing").is_visible()
    facets = page.page.locator(".kb-cat-facets").bounding_box()
    results = page.page.locator(".kb-cat-results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"], "the facets sit to the left of the results"


@pytest.mark.parametrize("width", [390, 1366])
def test_each_order_lists_the_case_studies_as_the_records_say_and_the_address_keeps_it(open_page, site, index, records, width):
    page = open_page(CATALOGUE, width, HEIGHT[width])
    ready(page)
    assert listed(page) == expected_order(index, records, "")[:PAGE_SIZE]
    for sort in ["evidence", "-evidence", "-period", "period", ""]:
        page.page.get_by_label("Sort by").select_option(sort)
        want = expected_order(index, records, sort)
        assert listed(page) == want[:PAGE_SIZE], sort
        assert query(page).get("sort") == ([sort] if sort else None), sort
    # A filter and an order together, restored from the address by a reader opening the link.
    if not choice(page, "Social prescribing").is_visible():
        page.page.locator(".kb-cat-filters > summary").click()  # folded on a phone
    choice(page, "Social prescribing").check()
    page.page.get_by_label("Sort by").select_option("evidence")
    shared = open_page(address(page).removeprefix(site + "/"), width, HEIGHT[width])
    ready(shared)
    assert shared.page.get_by_label("Sort by").input_value() == "evidence"
    assert listed(shared) == listed(page)
    strongest = records["rank"][records["records"][listed(shared)[0]].evidence.type]
    assert strongest == min(records["rank"][records["records"][i].evidence.type] for i in listed(shared))
