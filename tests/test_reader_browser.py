"""The reader's layer in Chromium at a phone's 390 px and a laptop's 1366 px, light and dark: the
headline cards on the home page and the summary (their numbers the records' own, each opening exactly
the figures it counts), the question of issue 19 answered in three taps on a phone, the menu button's
name and state, and axe on the pages readers start from."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect

from evidencebook.publish.html import plural

from .browser import Page, assert_no_horizontal_scroll, axe_problems
from .test_catalogue_browser import CATALOGUE
from .test_catalogue_browser import ready as catalogue_ready
from .test_outcomes_browser import ready as view_ready
from .test_outcomes_browser import shown_in_order

pytestmark = [pytest.mark.browser, pytest.mark.build]

HOME, SUMMARY = "index.html", "chapters/summary.html"
WIDTHS = [390, 1366]
HEIGHT = {390: 844, 1366: 900}
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def cases(built_book: Path) -> dict[str, dict]:
    data = json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]
    return {c["id"]: c for c in data}


@pytest.fixture(scope="module")
def measured(cases) -> dict[str, dict]:
    """Per outcome domain, from the exported records: the case studies with a measured figure in it,
    and those figures as (case id, measure)."""
    found: dict[str, dict] = {}
    for case in cases.values():
        for outcome in case.get("outcomes", []):
            if outcome["kind"] == "measured":
                domain = found.setdefault(outcome["domain"], {"cases": set(), "figures": Counter()})
                domain["cases"].add(case["id"])
                domain["figures"][(case["id"], outcome["metric"])] += 1
    return found


@pytest.fixture
def phone(open_page):
    """Open a page as a phone would: 390 px, touch (conftest's open_page, which closes its contexts)."""

    def _open(path: str, scheme: str = "light") -> Page:
        return open_page(path, 390, 844, is_mobile=True, has_touch=True, color_scheme=scheme)

    return _open


def card(page: Page, domain: str):
    return page.page.locator(f'.kb-headline-card[data-domain="{domain}"]')


# --- headline cards --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", [HOME, SUMMARY])
def test_the_cards_count_what_the_records_hold_and_wrap_to_one_column_on_a_phone(open_page, measured, path, width):
    page = open_page(path, width, HEIGHT[width])
    cards = page.page.locator(".kb-headline-card")
    assert cards.count() == len(measured), "a card for each outcome domain with a measured figure"
    for domain, found in measured.items():
        shown = card(page, domain)
        assert shown.locator(".kb-headline-cases").inner_text() == plural(len(found["cases"]), "case study", "case studies"), domain
        numbers = [int(n) for n in shown.locator(".kb-headline-directions strong").all_inner_texts()]
        assert sum(numbers) == sum(found["figures"].values()), f"{domain}: every measured figure counted once"
    columns = {round(box["x"]) for box in (cards.nth(i).bounding_box() for i in range(cards.count()))}
    if width == 390:
        assert len(columns) == 1, f"one column on a phone, not {len(columns)}"
    else:
        assert len(columns) >= 2, "side by side on a laptop"
    assert_no_horizontal_scroll(page, f"{path} at {width} px")


@pytest.mark.parametrize("path", [HOME, SUMMARY])
def test_a_tap_on_a_card_opens_the_comparison_showing_exactly_the_figures_it_counts(phone, measured, path):
    for domain in ["hospital-use", sorted(measured)[0]]:
        page = phone(path)
        target = card(page, domain)
        target.scroll_into_view_if_needed()
        target.tap()
        page.page.wait_for_url(re.compile(rf"/cases/outcomes\.html\?domain={domain}&"))
        view_ready(page)
        assert Counter(shown_in_order(page)) == measured[domain]["figures"], domain
        figures, studies = sum(measured[domain]["figures"].values()), len(measured[domain]["cases"])
        assert f"{figures} of " in page.page.locator(".kb-cmp-status").inner_text()
        assert f"(from {studies} case stud" in page.page.locator(".kb-cmp-status").inner_text()
        assert page.console_errors == [] and page.external == []


def test_on_a_phone_three_taps_from_home_answer_which_case_studies_measured_emergency_admissions_and_how_strong_the_evidence_is(
    phone, cases
):
    """Issue 19's done-check: "which case studies measured a change in emergency admissions, and how
    strong is that evidence?" The answer from the records: every measured change (a figure with a
    direction) in emergency admissions, with its case study's evidence type."""
    answer = {
        (case_id, outcome["metric"])
        for case_id, case in cases.items()
        for outcome in case.get("outcomes", [])
        if outcome["kind"] == "measured" and outcome.get("direction") and "emergency" in outcome["metric"].casefold()
        and "admission" in outcome["metric"].casefold()
    }
    assert len({case_id for case_id, _ in answer}) >= 3, "the records hold measured changes in emergency admissions"
    page = phone(HOME)
    taps = 0
    link = page.page.get_by_role("link", name="Hospital use", exact=True)
    link.scroll_into_view_if_needed()
    link.tap()  # 1: the card for the domain that holds emergency admissions (its definition says so)
    taps += 1
    view_ready(page)
    rows = page.page.locator("table.kb-compare-table tbody tr")
    shown = shown_in_order(page)
    assert answer <= set(shown), "every measured change in emergency admissions is listed"
    ranks = []
    for position, (case_id, measure) in enumerate(shown):
        if (case_id, measure) not in answer:
            continue
        row = rows.nth(position)
        row.scroll_into_view_if_needed()  # scrolling, not a tap
        evidence = row.locator('td[data-label="Evidence"]')
        expect(evidence).to_be_visible()
        expect(row.locator('td[data-label="Case study"] a')).to_have_text(cases[case_id]["title"])
        ranks.append(evidence.inner_text())
        assert evidence.bounding_box()["x"] + evidence.bounding_box()["width"] <= 390
    assert ranks and taps <= 3
    assert_no_horizontal_scroll(page, "the comparison view on a phone")
    assert page.console_errors == [] and page.external == []


# --- the menu button ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_menu_button_is_named_and_says_whether_the_menu_is_open(open_page, width):
    page = open_page(HOME, width, HEIGHT[width])
    button = page.page.locator(".primary-toggle:visible")
    expect(button).to_have_count(1)
    expect(button).to_have_accessible_name("Menu")
    open_at_first = "true" if width >= 992 else "false"  # a laptop shows the navigation beside the page
    expect(button).to_have_attribute("aria-expanded", open_at_first)
    button.click()
    expect(button).to_have_attribute("aria-expanded", "false" if open_at_first == "true" else "true")
    if width < 992:
        page.page.keyboard.press("Escape")  # the dialog closes without the button
    else:
        button.click()
    expect(button).to_have_attribute("aria-expanded", open_at_first)
    assert page.console_errors == []


# --- axe and screenshots --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_serious_or_critical_violations_on_a_phone(open_page, scheme):
    problems = []
    for path in [HOME, SUMMARY, CATALOGUE]:
        page = open_page(path, 390, 844, color_scheme=scheme)
        if path == CATALOGUE:
            catalogue_ready(page)
        problems += axe_problems(page, f"{path} at 390 px", scheme)
    assert problems == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_the_readers_pages(open_page, built_book, width, scheme):
    """For review (CI's `screenshots` artifact): the first screen of each page a reader starts from."""
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for name, path in [("home", HOME), ("summary", SUMMARY), ("catalogue", CATALOGUE), ("search-231", "search.html?q=231")]:
        page = open_page(path, width, HEIGHT[width], color_scheme=scheme)
        if path == CATALOGUE:
            catalogue_ready(page)
        if path.startswith("search"):
            page.page.wait_for_selector("#search-results .search-summary", timeout=20_000)
        if path == HOME:
            page.page.locator(".kb-headlines").scroll_into_view_if_needed()
        page.page.screenshot(path=str(out / f"reader-{name}-{width}-{scheme}.png"))
