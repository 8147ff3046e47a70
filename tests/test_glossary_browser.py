"""The glossary one letter at a time (static/js/glossary.js): the letter bar, a link to a term showing
its letter, every term in print and without JavaScript, and a page short enough to read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .browser import assert_no_horizontal_scroll, axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.build]

GLOSSARY = "chapters/glossary.html"
TERM = re.compile(r'<dt id="(term-[^"]+)">')
TERM_NAME = re.compile(r'<dt id="(term-[^"]+)">([^<]*)')


def initial(name: str) -> str:
    """The letter a term is filed under (glossary.js): its first letter or digit, marks skipped."""
    return re.sub(r"[^A-Za-z0-9]", "", name)[:1].upper()


def term_ids(built_book: Path) -> list[str]:
    return TERM.findall((built_book / GLOSSARY).read_text(encoding="utf-8"))


def shown_terms(page) -> int:
    return page.page.locator("dl.glossary > dt:visible").count()


@pytest.mark.parametrize("width", [390, 1366])
def test_one_letter_is_shown_with_a_bar_to_the_others_and_a_next_letter_button(open_page, built_book, width):
    total = len(term_ids(built_book))
    page = open_page(GLOSSARY, width)
    bar = page.page.locator(".kb-glossary-letters")
    assert bar.is_visible()
    letters = bar.locator("button:not(.kb-glossary-all)")
    assert letters.count() >= 10 and letters.first.get_attribute("aria-pressed") == "true"
    first = shown_terms(page)
    assert 0 < first < total
    hidden = page.page.locator('dl.glossary > dt[hidden="until-found"]').count()
    assert first + hidden == total, "the other letters' terms are hidden until found (find-in-page still finds them)"
    assert page.page.evaluate("document.documentElement.scrollHeight") < 15_000
    assert_no_horizontal_scroll(page, f"the glossary at {width} px")

    following = letters.nth(1).inner_text()
    page.page.get_by_role("button", name=f"Next letter: {following}").click()
    assert letters.nth(1).get_attribute("aria-pressed") == "true"
    names = page.page.locator("dl.glossary > dt:visible").all_inner_texts()
    assert names and initial(names[0]) == following and len(names) < total, names

    page.page.get_by_role("button", name="All terms").click()
    assert shown_terms(page) == total
    assert page.console_errors == []


def test_a_link_to_a_term_of_another_letter_shows_it_on_screen(open_page, built_book):
    names = dict(TERM_NAME.findall((built_book / GLOSSARY).read_text(encoding="utf-8")))
    first = initial(next(iter(names.values())))
    page = open_page("chapters/introduction.html", 1366)
    links = page.page.locator('main a[href*="glossary.html#term-"]')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    later = [i for i, href in enumerate(hrefs) if initial(names[href.split("#", 1)[1]]) != first]
    assert later, "the introduction links a term filed under a later letter than the first"
    target = hrefs[later[0]].split("#", 1)[1]
    links.nth(later[0]).click()
    page.page.wait_for_url(re.compile(r"/chapters/glossary\.html#term-"))
    term = page.page.locator(f'[id="{target}"]')
    term.wait_for(state="visible")
    box = term.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, f"{target} is not on screen ({box})"
    # then a link within the page to the last term: its letter is shown in turn
    last = list(names)[-1]
    page.page.evaluate(f"window.location.hash = {last!r}")
    page.page.locator(f'[id="{last}"]').wait_for(state="visible")


def test_print_and_a_browser_without_javascript_show_every_term(open_page, built_book):
    total = len(term_ids(built_book))
    page = open_page(GLOSSARY, 1366)
    page.page.emulate_media(media="print")
    assert shown_terms(page) == total, "printed, the glossary has every term"
    assert not page.page.locator(".kb-glossary-letters").is_visible()
    plain = open_page(GLOSSARY, 1366, java_script_enabled=False)
    assert shown_terms(plain) == total
    assert not plain.page.locator(".kb-glossary-letters").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_glossary(open_page, scheme):
    page = open_page(GLOSSARY, 1366, color_scheme=scheme)
    assert axe_problems(page, GLOSSARY, scheme) == []
