"""Finding one's way around the built book in Chromium, on a phone (390 px) and a laptop (1366 px), in
light and dark: one header and one search box, a menu button that opens the site navigation, whose
links work by touch, click and keyboard; a favicon that loads; case pages that lead home and back to
the catalogue, whether the reader came from the catalogue or from the A-Z list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .browser import Page

pytestmark = [pytest.mark.browser, pytest.mark.build]

PHONE, TABLET, LAPTOP = 390, 768, 1366  # below 992 px the navigation is a drawer the menu button opens
HEIGHT = {PHONE: 844, TABLET: 1024, LAPTOP: 900}
WIDTHS = [PHONE, LAPTOP]
SCHEMES = ["light", "dark"]
MENU_BUTTON = ".primary-toggle"  # sphinx-book-theme's button in the article header
MENU_LINK = "Glossary"  # a chapter listed in the site navigation, far enough down to need Tab presses
CATALOGUE = "cases/index.html"


@pytest.fixture(scope="module")
def case(built_book: Path) -> dict:
    """A case study (the first by id) with its page."""
    cases = json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]
    first = min(cases, key=lambda c: c["id"])
    assert (built_book / "cases" / f"{first['id']}.html").exists()
    return first


@pytest.fixture
def visit(open_page):
    """Open a page at a width and colour scheme (touch for a phone); failed responses are in page.failed."""

    def _visit(path: str, width: int, scheme: str = "light", touch: bool = False) -> Page:
        return open_page(path, width, HEIGHT[width], color_scheme=scheme, has_touch=touch, is_mobile=touch)

    return _visit


def navigation_link(page: Page, name: str = MENU_LINK):
    return page.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def focused(page: Page) -> str:
    return page.page.evaluate("() => (document.activeElement.textContent || '').trim()")


def tab_to(page: Page, matches, presses: int = 60) -> None:
    """Press Tab until the focused element satisfies `matches`, as a keyboard user would."""
    for _ in range(presses):
        page.page.keyboard.press("Tab")
        if matches(page):
            return
    pytest.fail(f"not reached with {presses} presses of Tab (focus is on {focused(page)!r})")


def menu_button_focused(page: Page) -> bool:
    return page.page.evaluate(f"() => document.activeElement.matches({MENU_BUTTON!r})")


# --- one header, one search box ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_one_header_one_search_box_and_one_menu_button(visit, case, width, scheme):
    for path in ["index.html", f"cases/{case['id']}.html"]:
        page = visit(path, width, scheme)
        where = f"{path} at {width} px ({scheme})"
        headers = page.page.locator(".bd-header:visible, .bd-header-article:visible")
        assert headers.count() == 1, f"{where}: {headers.count()} header bars"
        # Whatever opens search: a search field, a button that looks like one, or a magnifier icon.
        search = page.page.locator(".search-button__button:visible, input[type=search]:visible")
        assert search.count() == 1, f"{where}: {search.count()} search boxes"
        assert page.page.locator(f"{MENU_BUTTON}:visible").count() == 1, f"{where}: not exactly one menu button"


# --- the menu: touch, click, keyboard --------------------------------------------------------------------


@pytest.mark.parametrize("width, scheme", [(PHONE, "light"), (PHONE, "dark"), (TABLET, "light")])
def test_on_a_phone_the_menu_button_opens_the_navigation_and_a_tap_follows_a_link(visit, built_book, width, scheme):
    page = visit("index.html", width, scheme, touch=True)
    link = navigation_link(page)
    expect(link).to_be_hidden()  # a phone shows the page, not the navigation
    page.page.locator(f"{MENU_BUTTON}:visible").tap()
    expect(page.page.locator("dialog#pst-primary-sidebar-modal[open]")).to_be_visible()
    expect(link).to_be_visible()
    assert_inside_screen(page, link)
    save_screenshot(page, built_book, f"menu-open-{width}-{scheme}")
    link.tap()
    page.page.wait_for_url(re.compile(r"/chapters/glossary\.html$"))


def test_on_a_phone_the_menu_opens_and_a_link_is_followed_with_the_keyboard(visit):
    page = visit("index.html", PHONE)
    tab_to(page, menu_button_focused)
    page.page.keyboard.press("Enter")
    expect(page.page.locator("dialog#pst-primary-sidebar-modal[open]")).to_be_visible()
    tab_to(page, lambda p: focused(p) == MENU_LINK)
    expect(navigation_link(page)).to_be_focused()
    page.page.keyboard.press("Enter")
    page.page.wait_for_url(re.compile(r"/chapters/glossary\.html$"))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_laptop_the_menu_button_hides_and_shows_the_navigation_and_a_click_follows_a_link(visit, built_book, scheme):
    page = visit("index.html", LAPTOP, scheme)
    link = navigation_link(page)
    expect(link).to_be_visible()  # a wide screen shows the navigation beside the page
    button = page.page.locator(f"{MENU_BUTTON}:visible")
    button.click()
    expect(link).to_be_hidden()
    button.click()
    expect(link).to_be_visible()
    save_screenshot(page, built_book, f"menu-open-{LAPTOP}-{scheme}")
    link.click()
    page.page.wait_for_url(re.compile(r"/chapters/glossary\.html$"))


def test_on_a_laptop_the_navigation_and_the_menu_button_work_from_the_keyboard(visit):
    page = visit("index.html", LAPTOP)
    tab_to(page, menu_button_focused)
    page.page.keyboard.press("Enter")
    expect(navigation_link(page)).to_be_hidden()
    page.page.keyboard.press("Shift+Tab")  # the theme takes focus off the button once pressed
    tab_to(page, menu_button_focused)
    page.page.keyboard.press("Enter")
    expect(navigation_link(page)).to_be_visible()
    page.page.goto(page.page.url)  # afresh: the navigation comes first in the order of Tab
    tab_to(page, lambda p: focused(p) == MENU_LINK)
    page.page.keyboard.press("Enter")
    page.page.wait_for_url(re.compile(r"/chapters/glossary\.html$"))


def save_screenshot(page: Page, built_book: Path, name: str) -> None:
    """For reviewers, with the other screenshots (CI's `screenshots` artifact)."""
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    page.page.screenshot(path=str(out / f"{name}.png"))


def assert_inside_screen(page: Page, locator) -> None:
    box = locator.bounding_box()
    width = page.page.viewport_size["width"]
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width, f"off the {width} px screen: {box}"


# --- favicon ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_favicon_loads_and_no_request_fails(visit, case, width):
    for path in ["index.html", f"cases/{case['id']}.html"]:
        page = visit(path, width)
        icon = page.page.locator("link[rel~=icon]")
        assert icon.count() == 1, f"{path}: the page names {icon.count()} icons"
        response = page.page.request.get(icon.evaluate("link => link.href"))
        assert response.ok and response.headers["content-type"].startswith("image/"), path
        assert page.failed == [], f"{path}: {page.failed}"


# --- breadcrumb and the way back to the catalogue ---------------------------------------------------------


def breadcrumb(page: Page):
    return page.page.get_by_role("navigation", name="Breadcrumb")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_case_page_shows_where_it_is_and_leads_home_and_to_the_catalogue(visit, case, width, scheme):
    page = visit(f"cases/{case['id']}.html", width, scheme)
    address = page.page.url
    trail = breadcrumb(page)
    expect(trail).to_be_visible()
    items = [" ".join(t.split()) for t in trail.locator("li").all_inner_texts()]
    assert items == ["Home", "Case studies", " ".join(case["title"].split())]
    assert trail.locator("li").last.get_attribute("aria-current") == "page"
    title = page.page.locator("main h1:visible").first
    assert trail.bounding_box()["y"] < title.bounding_box()["y"], "the breadcrumb comes before the title"
    assert_inside_screen(page, trail)

    trail.get_by_role("link", name="Case studies").click()
    page.page.wait_for_url(re.compile(r"/cases/index\.html$"))
    page.page.goto(address)  # afresh rather than back: the catalogue rewrites its address as it loads
    page.page.get_by_role("link", name="Back to the catalogue").click()
    page.page.wait_for_url(re.compile(r"/cases/index\.html$"))
    page.page.goto(address)
    breadcrumb(page).get_by_role("link", name="Home").click()
    page.page.wait_for_url(re.compile(r"/index\.html$"))
    assert "/cases/" not in page.page.url


@pytest.mark.parametrize("width", WIDTHS)
def test_from_the_a_to_z_list_a_case_page_still_leads_back_to_the_catalogue(visit, case, width):
    page = visit("cases/list/1.html", width)
    address = page.page.url
    trail = breadcrumb(page)
    expect(trail).to_be_visible()
    assert [t.strip() for t in trail.locator("li").all_inner_texts()][:2] == ["Home", "Case studies"]
    trail.get_by_role("link", name="Case studies").click()
    page.page.wait_for_url(re.compile(r"/cases/index\.html$"))
    page.page.goto(address)
    page.page.locator(f"table a[href='../{case['id']}.html']").click()
    page.page.wait_for_url(re.compile(rf"/cases/{re.escape(case['id'])}\.html$"))
    page.page.get_by_role("link", name="Back to the catalogue").click()
    page.page.wait_for_url(re.compile(r"/cases/index\.html$"))
    assert page.failed == []
