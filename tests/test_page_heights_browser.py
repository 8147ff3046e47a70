"""No chapter is a wall: in Chromium at 1366 px, every chapter page and every page a chapter is split into
(chapters/<chapter>/, chapters/subpages.py) is at most MAX_HEIGHT px tall, and the split keeps the way
around: the chapter's pages are under it in the navigation, their headings in "On this page", and the
anchors links point to (a framework item, from the checklist) are where the links lead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencebook.chapters import SUBPAGE_CHAPTERS

pytestmark = [pytest.mark.browser, pytest.mark.build]

LAPTOP, PHONE = 1366, 390
MAX_HEIGHT = 15_000  # px at 1366 px wide: about fifteen screens of a laptop
# Chapters not split yet (#19 splits the overview, outcomes, frameworks and data dictionary): each is held
# to about its height when it was measured (December 2026), so it cannot grow unnoticed, until it is split.
NOT_YET_SPLIT: dict[str, int] = {}  # the glossary shows one letter at a time (static/js/glossary.js)
HEIGHTS_REPORT = "page-heights.json"  # written next to the site (_build/), for the record


def chapter_pages(built_book: Path) -> list[str]:
    """Every chapter page and every page of a split chapter, relative to the site's root."""
    chapters = built_book / "chapters"
    pages = sorted(p for p in chapters.glob("*.html"))
    pages += sorted(chapters.glob("*/*.html"))  # generated (SUBPAGE_CHAPTERS) and hand-written (contributing/)
    return [p.relative_to(built_book).as_posix() for p in pages]


def page_height(page) -> int:
    """The document's height as the page opens (its charts are static SVG of their final size)."""
    return page.page.evaluate("document.documentElement.scrollHeight")


def test_no_chapter_page_is_taller_than_fifteen_thousand_pixels(open_page, built_book):
    paths = chapter_pages(built_book)
    assert len(paths) > 14 and any("/overview/" in p for p in paths)  # the chapters and their pages
    page = open_page(paths[0], width=LAPTOP)
    heights = {}
    for path in paths:
        page.page.goto(page.page.url.rsplit("/chapters/", 1)[0] + "/" + path)
        page.page.wait_for_load_state("load")  # page_height then waits for the charts: no need to wait for quiet
        heights[path] = page_height(page)
    (built_book.parent / HEIGHTS_REPORT).write_text(json.dumps(heights, indent=1) + "\n", encoding="utf-8")
    walls = {path: height for path, height in heights.items() if height > NOT_YET_SPLIT.get(path, MAX_HEIGHT)}
    assert set(NOT_YET_SPLIT) <= set(heights)
    assert walls == {}, f"pages taller than {MAX_HEIGHT:,} px (or their NOT_YET_SPLIT height) at {LAPTOP} px wide: " + ", ".join(
        f"{path} ({height:,} px)" for path, height in sorted(walls.items(), key=lambda kv: -kv[1])
    )
    assert page.console_errors == [] and page.external == []


@pytest.mark.parametrize("chapter, first", [("overview", "Outcomes: "), ("outcomes", "Outcome domain: "), ("frameworks", ""), ("data-dictionary", ""), ("exports", "")])
def test_a_split_chapter_lists_its_pages_under_it_in_the_navigation_and_they_open(open_page, built_book, chapter, first):
    pages = sorted((built_book / "chapters" / chapter).glob("*.html"))
    assert pages, chapter
    page = open_page(f"chapters/{chapter}.html", width=LAPTOP)
    current = page.page.locator("nav.bd-docs-nav li.current")
    links = current.locator(f'ul a[href^="{chapter}/"]')
    assert links.count() == len(pages)  # every page of the chapter, under it
    target = links.first
    title = target.inner_text().strip()
    assert title.startswith(first), title
    target.click()
    page.page.wait_for_load_state("networkidle")
    assert page.page.locator("main h1:visible").first.inner_text().strip().startswith(title.split(" (page")[0])
    # the page's own entry is marked as the current one, under its chapter, which stays open
    assert page.page.locator("nav.bd-docs-nav li.current > a").last.inner_text().strip() == title


def test_a_framework_item_linked_from_the_checklist_opens_on_its_frameworks_page_at_the_item(open_page, built_book):
    page = open_page("chapters/checklist.html", width=LAPTOP)
    link = page.page.locator('a[href^="frameworks/"][href*="#item-"]').first  # in an area's evidence, folded away
    href = link.get_attribute("href")
    page.page.goto(page.page.url.rsplit("/", 1)[0] + "/" + href)
    page.page.wait_for_load_state("networkidle")
    anchor = href.split("#", 1)[1]
    assert page.page.url.endswith(href.split("/", 1)[1])
    heading = page.page.locator(f'[id="{anchor}"]')
    assert heading.count() == 1
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, f"the item {anchor} is not on screen ({box})"
    contents = page.page.locator("nav.bd-toc-nav a, #pst-page-toc-nav a")
    assert contents.count() >= 2  # the framework's items are in "On this page"


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_split_pages_read_at_every_width_and_scheme(open_page, built_book, width, scheme):
    """Screenshots of each chapter's index and one of its pages, for review; no page scrolls sideways."""
    from .browser import assert_no_horizontal_scroll

    out = built_book.parent / "screenshots" / "walls"
    out.mkdir(parents=True, exist_ok=True)
    for chapter in SUBPAGE_CHAPTERS:
        first = sorted((built_book / "chapters" / chapter).glob("*.html"))[0].name
        for path in (f"chapters/{chapter}.html", f"chapters/{chapter}/{first}"):
            page = open_page(path, width=width, height=900 if width == LAPTOP else 844, color_scheme=scheme)
            assert_no_horizontal_scroll(page, path)
            name = path.removesuffix(".html").replace("/", "_")
            page.page.screenshot(path=str(out / f"{name}-{width}-{scheme}.png"))
            assert page.console_errors == [], path
