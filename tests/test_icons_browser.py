"""The toolbar's icons without Font Awesome (issue 19's weight budget): on a phone (390 px) and a
laptop (1366 px), light and dark, every icon the page shows is drawn (inline SVG, or the themes'
own markup painted by evidencebook-icons.css), every icon button keeps its name, and no page asks
for Font Awesome's script or fonts."""

from __future__ import annotations

import pytest

from .browser import Page

pytestmark = [pytest.mark.browser, pytest.mark.build]

HEIGHT = {390: 844, 1366: 900}
PAGE = "chapters/introduction.html"  # a chapter: contents, previous and next page, every toolbar button
CONTROLS = {
    "menu": ".bd-header-article .primary-toggle",
    "download": ".bd-header-article .dropdown-download-buttons .dropdown-toggle",
    "full screen": ".bd-header-article .btn-fullscreen-button",
    "colour mode": ".bd-header-article .theme-switch-button",
    "search": ".bd-header-article .search-button",  # on a phone; on a laptop, the search field instead
    "contents": ".bd-header-article .secondary-toggle",  # on a phone; on a laptop, the contents are shown
    "contents heading": ".bd-sidebar-secondary .onthispage",
    "search field": ".bd-sidebar-primary .search-button-field",
    "next page": ".prev-next-area .right-next",
}
SHOWN = {  # the controls a reader sees at each width
    390: {"menu", "download", "full screen", "colour mode", "search", "contents", "next page"},
    1366: {"menu", "download", "full screen", "colour mode", "contents heading", "search field", "next page"},
}

# Every element the page renders with a Font Awesome name: its box, and whether something draws it
# (an SVG, or a mask painted by evidencebook-icons.css). Font Awesome's own classes are gone.
ICONS_JS = """() => [...document.querySelectorAll('[class*="fa-"]')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'
                && !el.closest('.dropdown-menu:not(.show), [hidden], #pst-search-dialog:not([open]), .onlyprint'))
  .map(el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    const mask = style.maskImage || style.webkitMaskImage || 'none';
    return {what: el.outerHTML.slice(0, 90), width: box.width, height: box.height,
            drawn: el.tagName.toLowerCase() === 'svg' || mask !== 'none'};
  })"""


@pytest.fixture
def visit(browser, site):
    contexts = []

    def _visit(path: str, width: int, scheme: str) -> Page:
        context = browser.new_context(viewport={"width": width, "height": HEIGHT[width]}, color_scheme=scheme)
        contexts.append(context)
        page = Page(context.new_page())
        page.requested = []
        page.page.on("request", lambda request: page.requested.append(request.url))
        page.page.goto(f"{site}/{path}")
        page.page.wait_for_load_state("networkidle")
        return page

    yield _visit
    for context in contexts:
        context.close()


def _name(locator) -> str:
    return locator.evaluate("el => (el.getAttribute('aria-label') || el.getAttribute('title') || el.textContent || '').trim()")


def _icon_paints(page: Page, control) -> bool:
    """Whether hiding the control's icon changes its pixels: the icon is really drawn."""
    icon = control.locator("svg:visible, i:visible").first.element_handle()
    before = control.screenshot()
    icon.evaluate("el => { el.style.visibility = 'hidden'; }")
    after = control.screenshot()
    icon.evaluate("el => { el.style.visibility = ''; }")
    return before != after


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1366])
def test_every_icon_is_drawn_and_every_icon_button_keeps_its_name(visit, width, scheme):
    page = visit(PAGE, width, scheme)
    for what in sorted(SHOWN[width]):
        control = page.page.locator(CONTROLS[what]).first
        if what == "next page":
            control.scroll_into_view_if_needed()
        assert control.is_visible(), f"{what} button not shown at {width} px ({scheme})"
        assert _name(control), f"{what} button has no name at {width} px ({scheme})"
        assert _icon_paints(page, control), f"{what} button's icon draws nothing at {width} px ({scheme})"
    icons = page.page.evaluate(ICONS_JS)
    assert icons, "no icon found on the page"
    undrawn = [i["what"] for i in icons if not i["drawn"] or i["width"] < 8 or i["height"] < 8]
    assert not undrawn, f"icons not drawn at {width} px ({scheme}): {undrawn}"
    fetched = [url for url in page.requested if "fontawesome" in url or url.endswith((".woff2", ".ttf"))]
    assert not fetched, f"Font Awesome requested: {fetched}"
