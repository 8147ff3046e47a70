"""The built book in a real browser, with the network cut off: charts draw, nothing leaves 127.0.0.1,
no console errors, and screenshots for reviewers."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import assert_no_horizontal_scroll, assert_title_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.build]

KEY_PAGES = ["index.html", "cases/index.html", "cases/list/1.html", "chapters/overview.html", "bibliography.html"]


def a_case_page(built_book: Path) -> str:
    return "cases/" + sorted(p.name for p in (built_book / "cases").glob("*.html") if p.name not in ("index.html", "outcomes.html"))[0]


@pytest.mark.parametrize("path", KEY_PAGES + ["<case>"])
def test_pages_load_offline_without_errors_or_external_requests(open_page, built_book, path):
    path = a_case_page(built_book) if path == "<case>" else path
    page = open_page(path)
    assert page.external == [], f"{path} asked for {page.external}"
    assert page.console_errors == [], f"{path}: {page.console_errors}"


def test_every_chart_on_every_chapter_is_shown(open_page, built_book):
    """Each chart shows one of its static layouts as the page opens (no script needed to see it)."""
    chapter_pages = [p for p in built_book.rglob("*.html") if 'class="kb-chart"' in p.read_text()]
    assert chapter_pages, "the book has charts"
    for html in chapter_pages:
        path = html.relative_to(built_book).as_posix()
        page = open_page(path)
        shown = page.page.evaluate(
            """() => [...document.querySelectorAll('.kb-chart')].map(c => [...c.querySelectorAll('.kb-chart-static svg')]
                 .filter(s => s.getBoundingClientRect().width > 100 && s.getBoundingClientRect().height > 50).length)"""
        )
        assert shown and all(n == 1 for n in shown), (path, shown)
        assert page.external == [] and page.console_errors == [], (path, page.external, page.console_errors)


@pytest.mark.parametrize("width, name", [(1280, "desktop"), (390, "phone")])
def test_key_pages_fit_the_screen_and_are_saved_for_review(open_page, built_book, width, name):
    """On a desktop and a phone: no page scrolls sideways and each page's title is on screen. The
    screenshots are for reviewers (CI's `screenshots` artifact)."""
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for path in KEY_PAGES + [a_case_page(built_book)]:
        page = open_page(path, width)
        assert_no_horizontal_scroll(page, f"{path} at {width} px")
        assert_title_on_screen(page, f"{path} at {width} px")
        page.page.screenshot(path=str(out / f"{path.replace('/', '_').removesuffix('.html')}-{name}.png"), full_page=True)


# Relative luminance (WCAG) of a computed CSS colour, in the browser, where the colour is parsed.
LUMINANCE_JS = """(selector) => {
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const title = document.querySelector(selector);
  return {background: luminance(getComputedStyle(document.body).backgroundColor),
          text: luminance(getComputedStyle(title).color)};
}"""


def test_a_reader_who_prefers_dark_gets_dark_pages_with_light_text(open_page, built_book):
    out = built_book.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for path in ["index.html", "chapters/overview.html", a_case_page(built_book)]:  # a page of each kind
        seen = {}
        for scheme in ("light", "dark"):
            page = open_page(path, color_scheme=scheme)
            seen[scheme] = page.page.evaluate(LUMINANCE_JS, "article h1")
            shot = page.page.screenshot(path=str(out / f"{path.replace('/', '_').removesuffix('.html')}-{scheme}.png"))
            seen[scheme]["pixels"] = shot
        light, dark = seen["light"], seen["dark"]
        assert light["pixels"] != dark["pixels"], f"{path} looks the same in the light and dark schemes"
        assert light["background"] > 0.8 and light["text"] < 0.2, f"{path} (light): {light['background']:.2f}, {light['text']:.2f}"
        assert dark["background"] < 0.1 and dark["text"] > 0.5, f"{path} (dark): {dark['background']:.2f}, {dark['text']:.2f}"
