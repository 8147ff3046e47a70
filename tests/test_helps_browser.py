"""What helps and what hinders, and the checklist's links to the lessons, in the built book and in Chromium:
every lesson's case study on the chapter, its sections in "On this page", links into the frameworks, no
sideways scrolling at 390 and 1366 px, a page short enough to read, axe in light and dark, a factor link
opening its section, and the checklist's action plan (Markdown and CSV) made in the browser."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from .browser import assert_no_horizontal_scroll, assert_title_on_screen, axe_problems
from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.build]

PAGE = "chapters/what-helps.html"
CHECKLIST = "chapters/checklist.html"
SECTIONS = ["Factors at a glance", "Helps in one place, hinders in another", "Factor by factor", "By theme", "By level"]
MAX_HEIGHT = 15_000  # px at 1366 px wide, every factor closed


def records_with_lessons() -> dict[str, list[dict]]:
    """Case-study id -> its lessons, read straight from the YAML files."""
    found = {}
    for path in sorted((ROOT / "case_studies").glob("[!_]*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("lessons"):
            found[data["id"]] = data["lessons"]
    return found


@pytest.fixture(scope="module")
def chapter(built_book: Path) -> BeautifulSoup:
    return BeautifulSoup((built_book / PAGE).read_text(encoding="utf-8"), "html.parser")


def test_the_chapter_lists_every_lessons_case_study_under_each_of_its_factors(chapter):
    lessons = records_with_lessons()
    assert lessons, "the records carry lessons"
    for case_id, case_lessons in lessons.items():
        for lesson in case_lessons:
            for factor in lesson["factors"]:
                section = chapter.find(id=f"factor-{factor}")
                assert section is not None, factor
                links = {a["href"] for a in section.find_all("a")}
                assert f"../cases/{case_id}.html" in links, (factor, case_id)
                assert " ".join(lesson["statement"].split()) in " ".join(section.get_text(" ").split()), (case_id, lesson["statement"][:40])


def test_the_chapters_sections_are_in_on_this_page_and_its_links_lead_somewhere(built_book: Path, chapter):
    contents = [a.get_text(" ", strip=True) for a in chapter.select("#pst-page-toc-nav a")]
    assert contents == SECTIONS
    item_links = [a["href"] for a in chapter.select('article a[href^="frameworks/"]') if "#" in a["href"]]  # on each framework's page
    assert item_links
    for href in item_links:
        page, anchor = href.split("#", 1)
        framework = BeautifulSoup((built_book / "chapters" / page).read_text(encoding="utf-8"), "html.parser")
        assert framework.find(id=anchor) is not None, href
    for a in chapter.select('a[href^="#factor-"]'):
        assert chapter.find(id=a["href"][1:]) is not None, a["href"]
    assert "what-helps.html" in (built_book / "chapters" / "summary.html").read_text(encoding="utf-8")  # in the navigation


@pytest.mark.parametrize("width", [390, 1366])
def test_the_chapter_fits_the_screen_and_stays_short(open_page, width):
    page = open_page(PAGE, width, 900)
    assert_title_on_screen(page, f"{PAGE} at {width} px")
    assert_no_horizontal_scroll(page, f"{PAGE} at {width} px")
    height = page.page.evaluate("document.documentElement.scrollHeight")
    if width == 1366:
        assert height < MAX_HEIGHT, f"the chapter is {height} px tall at 1366 px"
    page.page.evaluate("document.querySelectorAll('details.kb-factor').forEach(d => d.open = true)")
    assert_no_horizontal_scroll(page, f"{PAGE} at {width} px with every factor open")
    assert page.external == [] and page.console_errors == []


def test_a_factor_link_opens_that_factors_lessons(open_page):
    page = open_page(PAGE, 1366, 900)
    section = page.page.locator("#factor-pooled-budgets-and-payment")
    assert not section.is_visible()
    page.page.locator('.kb-helps-overview a[href="#factor-pooled-budgets-and-payment"]').click()
    page.page.wait_for_timeout(200)
    assert section.is_visible()
    assert section.locator(".kb-side-helped").is_visible() and section.locator(".kb-side-hindered").is_visible()
    helped, hindered = (section.locator(s).bounding_box() for s in (".kb-side-helped", ".kb-side-hindered"))
    assert abs(helped["y"] - hindered["y"]) < 2 and hindered["x"] > helped["x"]  # side by side at 1366 px


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations_on_the_chapter(open_page, scheme):
    page = open_page(PAGE, color_scheme=scheme)
    page.page.evaluate("document.querySelectorAll('details.kb-factor').forEach(d => d.open = true)")  # the lessons too
    assert axe_problems(page, PAGE, scheme) == []


# --- the checklist: an item not in place points to the lessons, and the action plan carries them ---------


@pytest.fixture
def checklist_page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site}/{CHECKLIST}")
    page.wait_for_selector(".kb-checklist-tools:not([hidden])")
    yield page
    context.close()


def downloaded(page, button: str) -> str:
    with page.expect_download() as info:
        page.locator(button).click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_the_checklist_points_from_items_not_in_place_to_the_lessons_and_exports_an_action_plan(checklist_page):
    page = checklist_page
    first, second = "so-transformation-1", "so-transformation-2"
    pointer = page.locator(f'li[data-item-id="{first}"] .kb-item-evidence summary')
    assert pointer.is_visible()
    page.locator(f'li[data-item-id="{first}"] input[value="in-place"]').check()
    assert not pointer.is_visible()
    assert page.locator(f'li[data-item-id="{second}"] .kb-item-evidence summary').is_visible()
    page.locator(f'li[data-item-id="{second}"] .kb-item-evidence summary').click()
    lessons = page.locator(f"#lessons-{second} li.kb-checklist-lesson")
    assert lessons.first.is_visible()  # opening it showed the item's own list

    first_case = lessons.first.locator("a")
    case_title, case_href = first_case.text_content().strip(), first_case.evaluate("a => a.href")
    markdown = downloaded(page, '.kb-checklist-plan[data-format="md"]')
    assert markdown.startswith("# Action plan")
    area = markdown.split("## Shared outcomes: Transformation", 1)[1].split("\n## ", 1)[0]
    assert "Budgets, funding and payment" in area
    assert re.search(r"\[" + re.escape(case_title) + r"\]\(<" + re.escape(case_href) + r">\)", area.replace("\\", "")), area[:600]
    items = [line for line in area.splitlines() if line.startswith("- [ ] ")]
    total = page.locator('[data-area-id="so-transformation"] .kb-checklist-item').count()
    assert len(items) == total - 1 and "(Not started)" in items[0]  # the item in place is left out

    rows = list(csv.DictReader(io.StringIO(downloaded(page, '.kb-checklist-plan[data-format="csv"]'))))
    mine = [r for r in rows if r["area"] == "Transformation"]
    assert {r["item_id"] for r in mine} == {f"so-transformation-{n}" for n in range(2, total + 1)}
    own = page.eval_on_selector_all(
        '[data-area-id="so-transformation"] details.kb-item-evidence',
        "els => Object.fromEntries(els.map(d => [d.id.slice('lessons-'.length), d.dataset.lessons.split(' ').length]))",
    )
    for n in range(2, total + 1):  # each item's rows are its own lessons, one row each
        assert sum(r["item_id"] == f"so-transformation-{n}" for r in mine) == own.get(f"so-transformation-{n}", 1)
    assert {r["case_study_url"] for r in mine} >= {case_href}
    assert not any(r["lesson"].startswith(("=", "+", "-", "@")) for r in rows)
