"""The outcomes comparison (cases/outcomes) in a real browser, at a phone's 390 px and a laptop's 1366 px:
filters give the rows and the count the exported CSV gives, the address restores them, figures are
sorted only when they share a unit and kind, the pages without JavaScript list every outcome, phones
get cards with nothing clipped, and axe finds no serious or critical violation, light or dark."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .browser import address, assert_no_horizontal_scroll, assert_title_on_screen, axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.build]

VIEW = "cases/outcomes.html"
WIDTHS = [390, 1366]
EMERGENCY = "emergency admissions"


@pytest.fixture(scope="module")
def outcomes(built_book: Path) -> list[dict]:
    """data/outcomes.csv's rows, each with its case study's title and place name from case-studies.json."""
    cases = {c["id"]: c for c in json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]}
    rows = list(csv.DictReader(io.StringIO((built_book / "data" / "outcomes.csv").read_text(encoding="utf-8"))))
    for row in rows:
        case = cases[row["case_study_id"]]
        row["title"], row["place"] = case["title"], case["place"]["name"]
    return rows


def matching(outcomes: list[dict], domain: str | None = None, words: str = "") -> Counter:
    """(case id, measure) of the outcomes in `domain` whose measure, comparison, period, case study or
    place holds every word: what the view must show."""

    def text_ok(row):
        hay = " ".join([row["metric"], row["comparison"], row["period"], row["title"], row["place"]]).casefold()
        return all(word in hay for word in words.casefold().split())

    return Counter((r["case_study_id"], r["metric"].lstrip("'")) for r in outcomes if (domain is None or r["domain"] == domain) and text_ok(r))


def ready(page) -> None:
    page.page.wait_for_selector('[data-kb-module="outcomes"][data-kb-state="ready"]', timeout=15_000)


def shown_in_order(page) -> list[tuple[str, str]]:
    """(case id, measure) of every row the table shows, top to bottom."""
    rows = page.page.eval_on_selector_all(
        "table.kb-compare-table tbody tr:not(.kb-more)",
        "rows => rows.map(r => [r.querySelector('td[data-label=\"Case study\"] a').href, r.querySelector('td').textContent])",
    )
    return [(href.rsplit("/", 1)[1].removesuffix(".html"), measure) for href, measure in rows]


def shown(page) -> Counter:
    return Counter(shown_in_order(page))


def choose(page, menu: str, value: str) -> None:
    """Pick `value` in the menu labelled `menu`, first unfolding the menus as a reader on a phone would."""
    select = page.page.get_by_label(menu)
    if not select.is_visible():
        page.page.locator(".kb-cmp-filters summary").click()
    select.select_option(value)


def status(page) -> str:
    return page.page.locator(".kb-cmp-status").inner_text()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(address(page)).query)


@pytest.mark.parametrize("width", WIDTHS)
def test_filtering_by_domain_and_by_words_shows_only_the_matching_outcomes_and_their_count(open_page, outcomes, width):
    page = open_page(VIEW, width)
    ready(page)
    assert f"All {len(outcomes)} outcomes" in status(page)
    # The menus are open on a wide screen and folded on a phone, so the count and first rows are in view.
    assert page.page.locator(".kb-cmp-filters").evaluate("d => d.open") == (width > 960)
    assert page.page.locator(".kb-compare tbody tr").first.is_visible()
    if width == 390:
        assert page.page.locator(".kb-cmp-status").bounding_box()["y"] < 900, "the count is on the first screen"
    choose(page, "Outcome domain", "hospital-use")
    want = matching(outcomes, "hospital-use")
    assert want and shown(page) == want
    assert f"{sum(want.values())} of {len(outcomes)} outcomes match Outcome domain: Hospital use" in status(page)
    assert set(page.page.locator('.kb-compare td[data-label="Domain"]').all_inner_texts()) == {"Hospital use"}

    choose(page, "Outcome domain", "")
    page.page.get_by_label("Search measures, places and case studies").fill(EMERGENCY)
    want = matching(outcomes, words=EMERGENCY)
    assert len(want) >= 3, "the records measure emergency admissions in several case studies"
    assert shown(page) == want
    assert f"{sum(want.values())} of {len(outcomes)} outcomes match text: “{EMERGENCY}”" in status(page)
    # The kind and the comparison sit beside every figure.
    for row in page.page.locator(".kb-compare tbody tr").all():
        assert row.locator('td[data-label="Kind"] .outcome-kind').inner_text().strip()
        assert row.locator('td[data-label="Compared with"]').inner_text().strip()
    assert_no_horizontal_scroll(page, f"the filtered comparison at {width} px")
    assert page.external == [] and page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_address_keeps_the_filters_and_restores_them(open_page, outcomes, site, width):
    page = open_page(VIEW, width)
    ready(page)
    choose(page, "Outcome domain", "hospital-use")
    page.page.get_by_label("Search measures, places and case studies").fill(EMERGENCY)
    assert query(page) == {"domain": ["hospital-use"], "q": [EMERGENCY]}
    want = matching(outcomes, "hospital-use", EMERGENCY)
    assert want and shown(page) == want

    shared = open_page(address(page).removeprefix(site + "/"), width)  # a reader opening the shared link
    ready(shared)
    assert shared.page.get_by_label("Outcome domain").input_value() == "hospital-use"
    assert shared.page.get_by_label("Search measures, places and case studies").input_value() == EMERGENCY
    assert shown(shared) == want
    shared.page.get_by_role("button", name="Clear all filters").click()
    assert query(shared) == {} and f"All {len(outcomes)} outcomes" in status(shared)


def signed(row: dict) -> float:
    """A figure's number in its unit alone, a decrease below zero (how the view sorts figures)."""
    number = float(row["value"]) * {"": 1, "thousand": 1e3, "million": 1e6, "billion": 1e9}[row["scale"]]
    return -number if row["direction"] == "decrease" else 0.0 if row["direction"] == "no change" else number


def comparable_domain(outcomes: list[dict]) -> tuple[str, str] | None:
    """A (domain, kind) with at least two figures, all of one unit and all changes or all levels."""
    groups: dict[tuple[str, str], set] = {}
    numbers: Counter = Counter()
    for r in outcomes:
        if r["value"]:
            groups.setdefault((r["domain"], r["kind"]), set()).add((r["unit"], bool(r["direction"])))
            numbers[(r["domain"], r["kind"])] += 1
    return next((key for key, units in sorted(groups.items()) if len(units) == 1 and numbers[key] >= 2), None)


def test_figures_are_sorted_only_when_they_share_a_unit_and_a_kind(open_page, outcomes, site):
    page = open_page(VIEW, 1366)
    ready(page)
    figure = page.page.locator("th button", has_text="Figure")
    assert figure.is_disabled(), "figures of different units cannot be ranked"
    assert page.page.locator('#kb-cmp-sort option[value="figure"]').is_disabled()
    # An address asking for it anyway gets the first order and a sentence saying why.
    forced = open_page(f"{VIEW}?sort=figure", 1366)
    ready(forced)
    assert "not sorted by figure" in forced.page.locator(".kb-cmp-sort-note").inner_text()
    assert "sort" not in query(forced)
    # Searching one measure across case studies: a fall and a rise in emergency admissions sort on one scale.
    emergency = open_page(f"{VIEW}?q=emergency+admissions&sort=figure", 1366)
    ready(emergency)
    rows = {(r["case_study_id"], r["metric"]): r for r in outcomes}
    order = [signed(rows[key]) for key in shown_in_order(emergency) if rows[key]["value"]]
    if len({(rows[k]["unit"], rows[k]["kind"], bool(rows[k]["direction"])) for k in shown_in_order(emergency) if rows[k]["value"]}) == 1:
        assert query(emergency)["sort"] == ["figure"] and order == sorted(order) and len(order) >= 2
    else:
        assert "sort" not in query(emergency)

    pair = comparable_domain(outcomes)
    assert pair, "some domain and kind has figures of one unit"
    domain, kind = pair
    choose(page, "Outcome domain", domain)
    choose(page, "Kind of figure", kind)
    assert figure.is_enabled()
    figure.click()
    assert query(page)["sort"] == ["figure"]
    assert figure.locator("xpath=..").get_attribute("aria-sort") == "ascending"
    amount = {(r["case_study_id"], r["metric"]): signed(r) for r in outcomes if r["domain"] == domain and r["kind"] == kind and r["value"]}
    order = [amount.get(key) for key in shown_in_order(page)]
    numbers = [a for a in order if a is not None]
    assert len(numbers) >= 2 and numbers == sorted(numbers) and order[: len(numbers)] == numbers, "smallest first, no figure last"
    figure.click()
    assert query(page)["sort"] == ["-figure"]
    numbers = [a for a in (amount.get(key) for key in shown_in_order(page)) if a is not None]
    assert numbers == sorted(numbers, reverse=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_domain_pages_list_every_outcome(open_page, outcomes, width):
    page = open_page(VIEW, width, java_script_enabled=False)
    note = page.page.locator(".kb-compare-nojs")
    assert note.is_visible() and "The filters need JavaScript" in note.inner_text()
    links = page.page.locator("a[href^='outcomes/']").evaluate_all("links => links.map(a => a.href)")
    assert links
    seen: Counter = Counter()
    for href in links:
        page.page.goto(href)
        seen += shown(page)
        assert_no_horizontal_scroll(page, f"{href} at {width} px")
        if width == 390:  # cards: every value of the first outcome on screen, beside its column's name
            cells = page.page.locator("table.kb-compare-table tbody tr").first.locator("td")
            for i in range(cells.count()):
                box = cells.nth(i).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{href}: a cell is clipped"
    assert seen == matching(outcomes)
    assert page.external == []


def test_a_case_page_opens_the_comparison_filtered_to_its_outcomes(open_page, outcomes):
    counts = Counter(r["case_study_id"] for r in outcomes)
    case_id = max(counts, key=lambda c: (counts[c], c))
    page = open_page(f"cases/{case_id}.html", 390)
    page.page.get_by_role("link", name="These outcomes in the comparison view").click()
    ready(page)
    assert query(page) == {"case": [case_id]}
    assert shown(page) == Counter({k: n for k, n in matching(outcomes).items() if k[0] == case_id})


PAGES = [VIEW, f"{VIEW}?domain=hospital-use&q=emergency+admissions", "cases/outcomes/hospital-use.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_serious_or_critical_violations_on_the_comparison(open_page, scheme, width):
    problems = []
    for path in PAGES:
        page = open_page(path, width, color_scheme=scheme)
        if path.startswith(VIEW):
            ready(page)
        problems += axe_problems(page, f"{path} at {width} px", scheme)
    assert problems == []


@pytest.mark.parametrize("width, name", [(1366, "desktop"), (390, "phone")])
def test_the_comparison_fits_the_screen_and_is_saved_for_review(open_page, built_book, width, name):
    """No sideways scrolling and the title on screen; the screenshots are CI's `screenshots` artifact."""
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page = open_page(f"{VIEW}?q=emergency+admissions", width, color_scheme=scheme)
        ready(page)
        assert_no_horizontal_scroll(page, f"the comparison at {width} px")
        assert_title_on_screen(page, f"the comparison at {width} px")
        page.page.screenshot(path=str(out / f"outcomes-compare-{name}-{scheme}.png"), full_page=True)
