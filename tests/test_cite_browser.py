"""Citing a case study in Chromium, on a phone (390 px) and a laptop (1366 px): the button copies the
Harvard reference with today's date, each download link saves its file in one click and is served
with its type, and axe finds nothing serious in light or dark."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pybtex.database import parse_string

from evidencebook.records.book import long_date

from .browser import assert_no_horizontal_scroll, axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.build]

WIDTHS = [390, 1366]
HEIGHT = {390: 844, 1366: 900}
TYPES = {"bib": "application/x-bibtex", "ris": "application/x-research-info-systems", "json": "application/vnd.citationstyles.csl+json"}
SERVED = {**TYPES, "json": "application/json"}  # the link says which JSON; the server, by suffix, that it is JSON


@pytest.fixture(scope="module")
def case(built_book: Path) -> dict:
    """A case study whose title has quotes or punctuation if there is one: the reference must copy as it is."""
    cases = json.loads((built_book / "data" / "case-studies.json").read_text(encoding="utf-8"))["case_studies"]
    return max(cases, key=lambda c: (bool(re.search(r"[’'\"&:]", c["title"])), c["id"]))


def open_case(open_page, case: dict, width: int, **options):
    page = open_page(f"cases/{case['id']}.html", width, HEIGHT[width], permissions=["clipboard-read", "clipboard-write"], **options)
    page.page.locator(".kb-cite-copy").wait_for(state="visible")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_copy_button_copies_the_harvard_reference_with_todays_date(open_page, case, width):
    page = open_case(open_page, case, width)
    button = page.page.get_by_role("button", name="Copy the reference")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, "the button is on screen"
    button.click()
    page.page.get_by_text("Copied the reference.").wait_for()
    copied = page.page.evaluate("navigator.clipboard.readText()")
    today = page.page.evaluate("new Date().toISOString().slice(0, 10)")
    want = re.sub(r"\(Accessed: [^)]*\)\.$", f"(Accessed: {long_date(today)}).", case["citation"]["harvard"])
    assert copied == want
    assert f"'{case['title']}'" in copied and case["url"] in copied
    assert_no_horizontal_scroll(page, f"case page at {width} px")
    assert page.console_errors == [] and page.external == []


@pytest.mark.parametrize("width", WIDTHS)
def test_each_download_saves_in_one_click_and_is_served_with_its_type(open_page, case, width):
    page = open_case(open_page, case, width, accept_downloads=True)
    links = page.page.locator(".kb-cite-files a")
    assert links.count() == 3
    for i in range(3):
        link = links.nth(i)
        suffix = link.get_attribute("href").rsplit(".", 1)[1]
        assert link.get_attribute("type") == TYPES[suffix]
        link.scroll_into_view_if_needed()
        with page.page.expect_download() as started:
            link.click()
        download = started.value
        assert download.suggested_filename == f"{case['citation']['csl']['id']}.{suffix}"
        body = Path(download.path()).read_text(encoding="utf-8")
        response = page.page.request.get(link.evaluate("a => a.href"))
        assert response.ok and response.headers["content-type"].split(";")[0] == SERVED[suffix]
        if suffix == "bib":
            [entry] = parse_string(body, "bibtex").entries.values()
            assert entry.fields["url"] == case["url"]
        elif suffix == "ris":
            assert f"UR  - {case['url']}" in body.splitlines()
        else:
            assert json.loads(body) == [case["citation"]["csl"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_a_case_page_after_copying(open_page, case, scheme):
    page = open_case(open_page, case, 1366, color_scheme=scheme)
    page.page.get_by_role("button", name="Copy the reference").click()
    page.page.get_by_text("Copied the reference.").wait_for()
    assert axe_problems(page, "a case page after copying its reference", scheme) == []


def test_without_javascript_the_reference_is_there_with_the_build_date(open_page, case):
    page = open_page(f"cases/{case['id']}.html", 390, 844, java_script_enabled=False)
    reference = " ".join(page.page.locator(".kb-cite-ref").inner_text().split())
    assert reference == case["citation"]["harvard"]
    assert not page.page.locator(".kb-cite-copy").is_visible(), "no button that could not work"
