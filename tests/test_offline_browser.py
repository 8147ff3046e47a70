"""The offline edition (`make offline`, tools/offline.py) as a reader opens it: the zip of the session's
built book, unzipped, each page opened from disk (file://) in Chromium with every request that is not
for a file aborted. The catalogue loads its cards and filters them, the outcomes comparison fills, a
search finds a case study, a chart page draws its charts, every link of the home page leads to a file of
the zip, and no page logs an error or fails to load a file."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .browser import Page, page_opener
from .test_charts_browser import drawn

pytestmark = [pytest.mark.browser, pytest.mark.build]

EDITION = "2026.12.0"  # any: the folder's name in the zip


class FilePage(Page):
    """A page opened from disk: file:// requests go through, every other request is recorded and
    aborted (the network is off), and a file that fails to load is recorded in `failed`."""

    def __init__(self, page):
        super().__init__(page)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.failure} {r.url}") if not self._aborted(r.url) else None)

    def _aborted(self, url: str) -> bool:
        return url in self.external

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def assert_clean(self, what: str) -> None:
        assert self.console_errors == [], f"{what}: console errors {self.console_errors[:5]}"
        assert self.failed == [], f"{what}: files that did not load {self.failed[:5]}"
        assert self.external == [], f"{what}: requests off the disk {self.external[:5]}"


@pytest.fixture(scope="module")
def offline_site(built_book: Path, tmp_path_factory) -> Path:
    """The offline edition of the session's built book, zipped and unzipped (no second build)."""
    from evidencebook.tools.offline import site_files, write_offline_zip

    folder = tmp_path_factory.mktemp("offline-edition")
    archive = write_offline_zip(built_book, folder / "edition.zip", EDITION)
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder / "unzipped")
    site = folder / "unzipped" / f"evidence-book-{EDITION}"
    assert (site / "index.html").is_file()
    unzipped = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert unzipped == site_files(built_book), "the zip holds every file of the built site"
    assert (site / "data" / "catalogue-index.js").read_bytes() == (built_book / "data" / "catalogue-index.js").read_bytes()
    return site


@pytest.fixture
def open_file(browser, offline_site):
    """Open a page of the unzipped edition from disk, as a FilePage; contexts close after the test."""
    with page_opener(browser, offline_site.as_uri(), FilePage, wait="load") as opener:
        yield opener


def in_site(site: Path, url: str) -> bool:
    """Whether a file:// address names a file inside the unzipped site (its query and fragment aside)."""
    path = Path(unquote(urlsplit(url).path))
    return path.is_relative_to(site) and path.is_file()


def catalogue_status(page: FilePage) -> str:
    return page.page.locator(".kb-cat-status").inner_text()


def test_the_catalogue_loads_its_cards_and_a_filter_narrows_them(open_file, offline_site):
    page = open_file("cases/index.html")
    ready = '[data-kb-module="catalogue"][data-kb-state="ready"]'
    page.page.wait_for_selector(ready, timeout=15_000)
    total = json.loads((offline_site / "data" / "catalogue-index.json").read_text())["records"]
    assert f"All {len(total)} case studies" in catalogue_status(page)
    cards = page.page.locator(".kb-cat-results a.kb-cat-title")
    assert cards.count() > 0
    for href in cards.evaluate_all("links => links.map(a => a.href)"):
        assert in_site(offline_site, href), href

    page.page.locator('.kb-catalogue input[type="checkbox"]:not([disabled])').first.check()
    page.page.wait_for_function("() => /\\d+ of \\d+ case studies match/.test(document.querySelector('.kb-cat-status').textContent)")
    found = int(re.search(r"(\d+) of (\d+) case studies match", catalogue_status(page)).group(1))
    assert 0 < found < len(total)
    assert 0 < cards.count() <= found

    # A text search loads the summaries' words: the catalogue's second data script.
    page.page.fill("#kb-cat-q", "care")
    page.page.wait_for_selector(ready, timeout=15_000)
    page.page.wait_for_function("() => !/Searching the summaries/.test(document.querySelector('.kb-cat-status').textContent)")
    assert "could not be searched" not in catalogue_status(page)
    page.assert_clean("the catalogue")


def test_the_outcomes_comparison_fills_from_disk(open_file):
    page = open_file("cases/outcomes.html")
    page.page.wait_for_selector('[data-kb-module="outcomes"][data-kb-state="ready"]', timeout=15_000)
    assert page.page.locator(".kb-compare table tbody tr").count() > 0
    page.assert_clean("the outcomes comparison")


def test_search_finds_a_case_study_without_fetching_its_page(open_file, offline_site):
    cases = json.loads((offline_site / "data" / "case-studies.json").read_text())["case_studies"]
    case = min(cases, key=lambda c: c["id"])
    word = max(re.findall(r"[A-Za-z]{5,}", case["title"]), key=len)
    page = open_file(f"search.html?q={word}")
    page.page.wait_for_function(
        "() => /Search finished/.test((document.querySelector('#search-results .search-summary') || {}).textContent || '')",
        timeout=20_000,
    )
    found = page.page.eval_on_selector_all("#search-results ul.search > li > a", "links => links.map(a => a.href)")
    assert any(urlsplit(href).path.endswith(f"/cases/{case['id']}.html") for href in found), (word, found[:10])
    for href in found:
        assert in_site(offline_site, href), href
    assert page.page.locator(".kb-search-offline").is_visible()
    page.page.wait_for_timeout(500)  # a snippet fetch would fail after the results are listed
    page.assert_clean("the search page")


def test_a_chart_page_draws_its_charts(open_file, offline_site):
    pages = sorted(p for p in (offline_site / "chapters").rglob("*.html") if 'class="kb-chart"' in p.read_text())
    assert pages, "the book's chapters have charts"
    page = open_file(pages[0].relative_to(offline_site).as_posix())
    assert drawn(page) >= 1
    assert page.page.locator(".kb-chart .kb-chart-live svg").count() == page.page.locator(".kb-chart").count()
    page.assert_clean(f"the chart page {pages[0].name}")


def test_every_link_of_the_home_page_leads_to_a_file_of_the_zip(open_file, offline_site):
    page = open_file("index.html")
    page.page.wait_for_load_state("networkidle")
    hrefs = page.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    internal = [h for h in hrefs if h.startswith("file:")]
    assert len(internal) > 20
    missing = sorted({h for h in internal if not in_site(offline_site, h)})
    assert missing == [], f"links of the home page to no file of the zip: {missing[:10]}"
    # The latest offline edition is linked on the published site, by its full address.
    assert any(re.match(r"https://.+/offline/evidence-book\.zip$", h) for h in hrefs), "the home page links the offline edition"
    page.assert_clean("the home page")
