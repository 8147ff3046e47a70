"""The reader's experience in a real browser: the faceted catalogue (counts checked against the
exported JSON), the address keeping the filters, keyboard use, phone width, site search, axe-core,
the complete list without JavaScript, and the newcomer's three clicks on a phone with no network."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .browser import Page, address, assert_no_horizontal_scroll, assert_title_on_screen, axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.build]

CATALOGUE = "cases/index.html"
PHONE = {"width": 390, "height": 844}


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases(built_book: Path) -> list[dict]:
    return json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]


def a_case_page(built_book: Path, cases: list[dict]) -> str:
    """The case-study page with the most outcomes: the widest table a phone has to show."""
    widest = max(cases, key=lambda c: (len(c.get("outcomes", [])), c["id"]))
    assert (built_book / "cases" / f"{widest['id']}.html").exists()
    return f"cases/{widest['id']}.html"


# --- what the JSON says the catalogue must show -----------------------------------------------------


def values(case: dict, facet: str) -> set[str]:
    if facet == "theme":
        return set(case["themes"])
    if facet == "kind":
        return {o["kind"] for o in case.get("outcomes", [])}
    if facet == "level":
        return {case["level"]}
    raise KeyError(facet)


def expected(cases: list[dict], filters: dict[str, set[str]], words: list[str] = ()) -> set[str]:
    """Ids of the case studies with, for every facet, one of the chosen values, and every word somewhere
    in the title, the place or the summary."""

    def text_ok(case):
        hay = " ".join([case["title"], case["place"]["name"], case["summary"]]).casefold()
        return all(w.casefold() in hay for w in words)

    return {c["id"] for c in cases if text_ok(c) and all(values(c, f) & chosen for f, chosen in filters.items())}


# --- helpers -------------------------------------------------------------------------------------------


def ready(page: Page) -> None:
    page.page.wait_for_selector('[data-kb-module="catalogue"][data-kb-state="ready"]', timeout=15_000)


def shown_ids(page: Page) -> set[str]:
    hrefs = page.page.eval_on_selector_all(".kb-cat-results a.kb-cat-title", "links => links.map(a => a.href)")
    return {re.search(r"/cases/([^/]+)\.html$", h).group(1) for h in hrefs}


def status(page: Page) -> str:
    return page.page.locator(".kb-cat-status").inner_text()


def choice(page: Page, name: str):
    """The checkbox of a facet value, found by its visible label (the label ends with its count)."""
    return page.page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)} \(\d+\)$"))


def choice_count(page: Page, name: str) -> int:
    label = page.page.locator("label", has=page.page.locator(".kb-cat-name", has_text=re.compile(rf"^{re.escape(name)}$")))
    return int(re.search(r"\((\d+)\)$", label.inner_text()).group(1))


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(address(page)).query)


# --- the catalogue --------------------------------------------------------------------------------------


def test_catalogue_page_stays_small_and_the_full_list_is_split_into_pages(built_book: Path, cases):
    catalogue = built_book / CATALOGUE
    assert catalogue.stat().st_size <= 200_000
    # Its size does not grow with the records: no row of the list is in it.
    assert not any(f'href="{c["id"]}.html"' in catalogue.read_text() for c in cases)
    listed = []
    for page in sorted((built_book / "cases" / "list").glob("*.html")):
        table = page.read_text().split("<table", 1)[1].split("</table>", 1)[0]
        rows = re.findall(r'href="\.\./([a-z0-9-]+)\.html"', table)
        assert len(rows) <= 500, page.name
        listed += rows
    assert sorted(listed) == sorted(c["id"] for c in cases), "every case study on exactly one list page"
    navigation = (built_book / "index.html").read_text()
    assert "list/1.html" not in navigation, "list pages stay out of the table of contents"


def test_without_javascript_the_catalogue_leads_to_every_case_study(open_page, cases):
    page = open_page(CATALOGUE, java_script_enabled=False)
    list_links = page.page.locator("a[href^='list/']")
    assert list_links.count() >= 1
    seen = set()
    for href in list_links.evaluate_all("links => links.map(a => a.href)"):
        page.page.goto(href)
        seen |= {h.rsplit("/", 1)[1].removesuffix(".html") for h in page.page.eval_on_selector_all("table a[href$='.html']", "a => a.map(x => x.href)")}
    assert seen == {c["id"] for c in cases}
    assert page.external == []


def test_filters_and_text_search_give_the_counts_the_json_gives(open_page, cases):
    page = open_page(CATALOGUE)
    ready(page)
    total = len(cases)
    assert f"All {total} case studies" in status(page)
    assert choice_count(page, "Social prescribing") == len(expected(cases, {"theme": {"social-prescribing"}}))

    choice(page, "Integrated health and social care").check()
    want = expected(cases, {"theme": {"integrated-health-and-social-care"}})
    assert f"{len(want)} of {total} case studies match" in status(page)
    assert shown_ids(page) == want
    # Counts in another facet: what the list would hold with that value added.
    assert choice_count(page, "Measured") == len(expected(cases, {"theme": {"integrated-health-and-social-care"}, "kind": {"measured"}}))
    # Within one facet the choices are alternatives.
    choice(page, "Social prescribing").check()
    either = {"theme": {"integrated-health-and-social-care", "social-prescribing"}}
    assert shown_ids(page) == expected(cases, either)

    choice(page, "Measured").check()
    both = {**either, "kind": {"measured"}}
    assert shown_ids(page) == expected(cases, both)
    assert f"{len(expected(cases, both))} of {total}" in status(page)

    # Text search over titles, places and summaries (the summaries' words load on first use).
    page.page.get_by_label("Search titles, places and summaries").fill("council")
    ready(page)
    assert shown_ids(page) == expected(cases, both, ["council"])
    page.page.get_by_role("button", name="Clear all filters").click()
    page.page.get_by_label("Search titles, places and summaries").fill("Sunderland")
    sunderland = expected(cases, {}, ["Sunderland"])
    assert sunderland and shown_ids(page) == sunderland
    assert page.external == [] and page.console_errors == []


def test_the_address_keeps_the_filters_and_clear_all_resets_them(open_page, cases, site):
    page = open_page(CATALOGUE)
    ready(page)
    choice(page, "Social prescribing").check()
    page.page.get_by_label("Search titles, places and summaries").fill("Rotherham")
    ready(page)
    assert query(page) == {"theme": ["social-prescribing"], "q": ["Rotherham"]}
    want = expected(cases, {"theme": {"social-prescribing"}}, ["Rotherham"])
    assert want and shown_ids(page) == want

    shared = open_page(address(page).removeprefix(site + "/"))  # a reader opening the shared link
    ready(shared)
    assert choice(shared, "Social prescribing").is_checked()
    assert shared.page.get_by_label("Search titles, places and summaries").input_value() == "Rotherham"
    assert shown_ids(shared) == want

    shared.page.get_by_role("button", name="Clear all filters").click()
    assert query(shared) == {}
    assert not choice(shared, "Social prescribing").is_checked()
    assert f"All {len(cases)} case studies" in status(shared)
    assert len(shown_ids(shared)) == min(len(cases), 50)


def test_filters_work_with_the_keyboard_alone(open_page, cases):
    page = open_page(CATALOGUE)
    ready(page)
    focused_label = "() => { const e = document.activeElement; return e.id === 'kb-cat-q' ? e.id : e.labels && e.labels[0] ? e.labels[0].textContent : ''; }"
    for _ in range(120):
        page.page.keyboard.press("Tab")
        if page.page.evaluate(focused_label) == "kb-cat-q":
            break
    else:
        pytest.fail("the search box cannot be reached with Tab")
    page.page.keyboard.type("care")
    for _ in range(40):
        page.page.keyboard.press("Tab")
        if page.page.evaluate(focused_label).startswith("Social prescribing"):
            break
    else:
        pytest.fail("the theme choices cannot be reached with Tab")
    page.page.keyboard.press("Space")
    ready(page)
    assert query(page) == {"q": ["care"], "theme": ["social-prescribing"]}
    assert shown_ids(page) == expected(cases, {"theme": {"social-prescribing"}}, ["care"])
    # A closed facet opens from the keyboard too.
    page.page.locator("summary", has_text="Level").focus()
    page.page.keyboard.press("Enter")
    assert choice(page, "Place").is_visible()


def test_a_newcomer_on_a_phone_offline_finds_social_prescribing_cases_with_measured_outcomes_in_three_clicks(browser, site, cases):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = Page(context.new_page())
        page.page.goto(f"{site}/{CATALOGUE}")
        ready(page)
        context.set_offline(True)  # no network from here on
        clicks = 0
        page.page.get_by_text("Filters", exact=True).tap()  # the facets are folded on a phone
        clicks += 1
        choice(page, "Social prescribing").tap()
        clicks += 1
        choice(page, "Measured").tap()
        clicks += 1
        want = expected(cases, {"theme": {"social-prescribing"}, "kind": {"measured"}})
        assert want, "the knowledge base has social-prescribing cases with a measured outcome"
        assert clicks <= 3
        assert shown_ids(page) == want
        assert f"{len(want)} of {len(cases)} case studies match" in status(page)
        page.page.locator(".kb-cat-results").scroll_into_view_if_needed()
        assert page.page.locator(".kb-cat-results a").first.is_visible()
        assert_no_horizontal_scroll(page, "the filtered catalogue")
        assert page.external == [] and page.console_errors == []
    finally:
        context.close()


# --- layout, search, accessibility ----------------------------------------------------------------------


def test_no_horizontal_scrolling_at_phone_width(open_page, built_book, cases):
    catalogue = open_page(CATALOGUE, **PHONE)
    ready(catalogue)
    catalogue.page.locator(".kb-cat-filters > summary").click()  # folded on a phone
    closed = catalogue.page.locator(".kb-cat-facet:not([open]) summary")
    while closed.count():
        closed.first.click()
    for button in catalogue.page.locator(".kb-cat-more").all():
        button.click()  # every facet value shown, the longest labels included
    assert_no_horizontal_scroll(catalogue, "the catalogue")
    for path in [a_case_page(built_book, cases), "cases/list/1.html"]:
        assert_no_horizontal_scroll(open_page(path, **PHONE), path)


@pytest.mark.parametrize("words, expect", [("Sunderland", "place"), ("social prescribing", "theme")])
def test_site_search_finds_case_studies_by_place_and_by_term(open_page, cases, words, expect):
    page = open_page(f"search.html?q={words.replace(' ', '+')}")
    page.page.wait_for_selector("#search-results .search-summary", timeout=20_000)
    found = {h.rsplit("/", 1)[1].split(".html")[0] for h in page.page.eval_on_selector_all("#search-results ul.search li a", "a => a.map(x => x.href)") if "/cases/" in h}
    if expect == "place":
        want = {c["id"] for c in cases if c["place"]["name"] == words}
    else:
        want = {c["id"] for c in cases if "social-prescribing" in c["themes"]}
    assert want, f"the knowledge base has case studies for {words!r}"
    assert want & found, f"searching {words!r} finds none of {sorted(want)}"


def axe_pages(built_book: Path) -> list[str]:
    pages = ["index.html", CATALOGUE, f"{CATALOGUE}?theme=social-prescribing&kind=measured&sort=evidence", "cases/list/1.html", "<case>"]
    pages += ["chapters/overview.html", "chapters/summary.html"]
    if (built_book / "chapters" / "checklist.html").exists():  # the checklist tool (another issue)
        pages.append("chapters/checklist.html")
    return pages


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(open_page, built_book, cases, scheme):
    problems = []
    for path in axe_pages(built_book):
        path = a_case_page(built_book, cases) if path == "<case>" else path
        page = open_page(path, color_scheme=scheme)
        if path.startswith(CATALOGUE):
            ready(page)
        problems += axe_problems(page, path, scheme)
    assert problems == []


@pytest.mark.parametrize("width, name", [(1280, "desktop"), (390, "phone")])
def test_the_reader_pages_fit_the_screen_and_are_saved_for_review(open_page, built_book, width, name):
    """No sideways scrolling and the title on screen; the screenshots are CI's `screenshots` artifact."""
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    shots = {
        "catalogue-filtered": f"{CATALOGUE}?theme=social-prescribing&kind=measured",
        "catalogue-list-1": "cases/list/1.html",
        "search-sunderland": "search.html?q=Sunderland",
    }
    for label, path in shots.items():
        page = open_page(path, width)
        if path.startswith(CATALOGUE):
            ready(page)
        if path.startswith("search"):
            page.page.wait_for_selector("#search-results .search-summary", timeout=20_000)
        assert_no_horizontal_scroll(page, f"{label} at {width} px")
        assert_title_on_screen(page, f"{label} at {width} px")
        page.page.screenshot(path=str(out / f"{label}-{name}.png"), full_page=True)
