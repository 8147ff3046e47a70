"""A case page's outcomes as a reader sees them (publish/caseoutcomes.py): a card per outcome on a phone
with every column's value beside its name, a table on a desktop with rows of a readable height, a short
source that opens the full reference, and a shadow at the edge only where the table scrolls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .browser import assert_no_horizontal_scroll, axe_problems, pixel_stats

SHOWN = ["Measure", "Figure", "Kind", "Compared with", "Source"]  # what every outcome shows, at any width
ROW_HEIGHT = 200  # CSS px: the tallest row the desktop table may have


@pytest.fixture(scope="module")
def widest_case(built_book: Path) -> tuple[str, int]:
    """(the case page with the most outcomes, how many it has)."""
    cases = json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]
    case = max(cases, key=lambda c: (len(c.get("outcomes", [])), c["id"]))
    assert len(case["outcomes"]) >= 10, "a case study with many outcomes"
    return f"cases/{case['id']}.html", len(case["outcomes"])


# Each outcome (a row group: its values, then its note when it has one) and its cells.
CELLS_JS = """() => [...document.querySelectorAll('table.kb-outcomes tbody.kb-outcome')].map(outcome => ({
  height: outcome.getBoundingClientRect().height,
  cells: [...outcome.querySelectorAll('td')].map(td => {
    const box = td.getBoundingClientRect();
    return {label: td.dataset.label, text: td.innerText.trim(), left: box.left, right: box.right, shown: box.width > 0 && box.height > 0,
            labelShown: getComputedStyle(td, '::before').content.replace(/"/g, ''), clipped: td.scrollWidth > td.clientWidth + 1};
  }),
}))"""


def test_on_a_phone_each_outcome_is_a_card_with_every_value_beside_its_name(open_page, widest_case):
    path, count = widest_case
    page = open_page(path, 390)
    assert_no_horizontal_scroll(page, f"{path} at 390 px")
    rows = page.page.evaluate(CELLS_JS)
    assert len(rows) == count
    assert not page.page.locator("table.kb-outcomes thead").is_visible(), "cards have no heading row"
    for number, row in enumerate(rows, 1):
        cells = {c["label"]: c for c in row["cells"]}
        for label in SHOWN:
            cell = cells[label]
            assert cell["shown"] and cell["text"], f"outcome {number}: {label} is not shown"
            assert cell["left"] >= 0 and cell["right"] <= 390 and not cell["clipped"], f"outcome {number}: {label} is clipped: {cell}"
            if label != "Measure":  # the measure is the card's heading; every other value is named
                assert cell["labelShown"] == label, f"outcome {number}: {label} has no name beside it: {cell}"
        for cell in row["cells"]:  # the period and the note too, when there is one
            assert cell["shown"] and cell["right"] <= 390 and not cell["clipped"], f"outcome {number}: {cell}"
        if "Note" in cells:
            assert cells["Note"]["text"].startswith("Note:"), f"outcome {number}: the note is not named"
    assert page.external == [] and page.console_errors == []


def test_on_a_desktop_the_outcomes_are_a_table_of_short_rows(open_page, widest_case):
    path, count = widest_case
    page = open_page(path, 1366)
    assert_no_horizontal_scroll(page, f"{path} at 1366 px")
    assert page.page.locator("table.kb-outcomes thead").is_visible()
    rows = page.page.evaluate(CELLS_JS)
    assert len(rows) == count
    tallest = max(row["height"] for row in rows)
    assert tallest <= ROW_HEIGHT, f"the tallest row is {tallest:.0f} px"
    for row in rows:
        assert all(c["shown"] and c["labelShown"] in ("none", "normal") for c in row["cells"]), "a table names its columns once"


def test_each_source_is_short_and_opens_its_full_reference(open_page, widest_case):
    path, _ = widest_case
    page = open_page(path, 390)
    source = page.page.locator("table.kb-outcomes td[data-label='Source'] details").first
    short = source.locator("summary").inner_text()
    assert len(short) < 120, short
    full = source.locator(".kb-citation").text_content().strip()
    assert len(full) > len(short), (short, full)
    assert not source.locator(".kb-citation").is_visible(), "the full reference waits to be asked for"
    source.locator("summary").click()
    assert source.locator(".kb-citation").is_visible() and full in source.inner_text()
    assert full.rstrip(".") in page.page.locator("#sources").inner_text(), "the full reference is the one under Sources"


# The mean luminance of a strip of the screen (a screenshot, decoded by the browser).
def edges(page) -> tuple[float, float]:
    """The mean brightness of the table wrapper's left and right 10 px, its table made invisible (so
    only the wrapper's own background, the shadows, is left)."""
    box = page.page.locator(".kb-outcomes-wrap").first.bounding_box()  # on screen: its top is above the viewport's middle
    top = max(box["y"], 0) + 200  # below the page's sticky header
    strips = []
    for x in (box["x"], box["x"] + box["width"] - 10):
        png = page.page.screenshot(clip={"x": x, "y": top, "width": 10, "height": 100})
        strips.append(pixel_stats(page, png)["mean"])
    return strips[0], strips[1]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_table_wider_than_the_page_shows_a_shadow_where_it_scrolls_and_only_then(open_page, widest_case, scheme):
    path, _ = widest_case
    page = open_page(path, 1366, color_scheme=scheme)
    wrap = page.page.locator(".kb-outcomes-wrap").first
    wrap.evaluate("w => w.scrollIntoView({block: 'start'})")
    page.page.add_style_tag(content="table.kb-outcomes { visibility: hidden; }")
    fits = page.page.evaluate("() => { const w = document.querySelector('.kb-outcomes-wrap'); return w.scrollWidth <= w.clientWidth; }")
    assert fits, "at 1366 px the outcomes fit the page"
    left, right = edges(page)
    assert abs(left - right) < 2, f"a shadow on a table that does not scroll: {left:.1f}, {right:.1f}"
    plain = left
    page.page.add_style_tag(content="table.kb-outcomes { min-width: 2400px; }")  # a table wider than the page
    left, right = edges(page)
    assert abs(left - plain) < 2 and abs(right - plain) > 6, f"no shadow where more of the table is: {plain:.1f}, {left:.1f}, {right:.1f}"
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    left, right = edges(page)
    assert abs(right - plain) < 2 and abs(left - plain) > 6, f"scrolled to its end, the shadow is not on the left: {plain:.1f}, {left:.1f}, {right:.1f}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1366])
def test_axe_finds_no_serious_or_critical_violations_on_the_case_page(open_page, widest_case, built_book, scheme, width):
    path, _ = widest_case
    page = open_page(path, width, color_scheme=scheme)
    page.page.locator("table.kb-outcomes details summary").first.click()  # a reference open, too
    assert axe_problems(page, f"{path} at {width} px", scheme) == []
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    page.page.screenshot(path=str(out / f"case-outcomes-{width}-{scheme}.png"), full_page=True)
