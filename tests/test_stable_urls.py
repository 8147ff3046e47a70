"""Stable URLs (issue 20): an address a published edition listed keeps working after a case study is renamed.

The small test book is built under the sample record's first id and its pages recorded as an edition's
list (data/editions/, as `make release` writes it); the record is then renamed, listing its old id in
`previous_ids`, and rebuilt incrementally: every listed path must be a page, or a redirect to a page;
and dropping the old id while the list names its page is refused (rule published-case-page-kept).
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidencebook.publish.sitemap import SITEMAP_NS, published_pages
from evidencebook.records.book import read_book
from evidencebook.records.editions import page_list_text, pages_file, read_page_list

from .conftest import BIN, make_book, run_build

pytestmark = pytest.mark.build

OLD_ID, NEW_ID = "sample-case", "sample-town-discharge"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


def rename_record(book: Path, old: str, new: str, previous_ids: list[str]) -> None:
    """Rename case_studies/<old>.yml to <new>.yml, with its id, listing `previous_ids` (none: the field is left out)."""
    path = book / "case_studies" / f"{old}.yml"
    text = path.read_text(encoding="utf-8").replace(f"\nid: {old}\n", f"\nid: {new}\n", 1)
    text = re.sub(r"\nprevious_ids:\n(?:  - .*\n)+", "\n", text)
    if previous_ids:
        text += "previous_ids:\n" + "".join(f"  - {p}\n" for p in previous_ids)
    path.unlink()
    (book / "case_studies" / f"{new}.yml").write_text(text, encoding="utf-8")


def built(book: Path) -> Path:
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return book / "_build" / "html"


def unresolved(html: Path, paths: list[str]) -> list[str]:
    """The paths that are neither a page of the build nor a redirect (in the same folder) to one."""
    missing = []
    for path in paths:
        page = html / path
        if not page.is_file():
            missing.append(f"{path}: no such page")
            continue
        target = REFRESH.search(page.read_text(encoding="utf-8"))
        if target and not (page.parent / target.group(1)).is_file():
            missing.append(f"{path}: redirects to {target.group(1)}, which does not exist")
    return missing


def test_a_renamed_case_study_keeps_every_address_of_the_previous_edition(tmp_path: Path):
    book = make_book(tmp_path / "book")
    site = read_book(book).site
    html = built(book)
    # The previous edition: the first build's pages, recorded as `make release` records them.
    listing = pages_file(book, "2026.12.0")
    listing.parent.mkdir(parents=True)
    listing.write_text(page_list_text(published_pages(html, site)), encoding="utf-8")
    previous, problems = read_page_list(listing, "data/editions/2026.12.0-pages.txt")
    assert problems == [] and f"cases/{OLD_ID}.html" in previous and "index.html" in previous
    assert not {"search.html", "genindex.html"} & set(previous), "tools are not pages of the sitemap"

    rename_record(book, OLD_ID, NEW_ID, [OLD_ID])
    html = built(book)  # incremental: the first build's output and caches are kept
    assert unresolved(html, previous) == []
    redirect = (html / "cases" / f"{OLD_ID}.html").read_text(encoding="utf-8")
    assert REFRESH.search(redirect).group(1) == f"{NEW_ID}.html"
    assert f'<link rel="canonical" href="{site}cases/{NEW_ID}.html">' in redirect
    assert '<meta name="robots" content="noindex">' in redirect
    assert f'<a href="{NEW_ID}.html">Sample town joint discharge team</a>' in redirect, "a link for readers without refresh"
    assert not re.search(r"<script|<img|<iframe|stylesheet|src=", redirect), "it loads nothing"
    sitemap = [loc.text for loc in ET.parse(html / "sitemap.xml").getroot().iter(f"{SITEMAP_NS}loc")]
    assert f"{site}cases/{NEW_ID}.html" in sitemap and f"{site}index.html" in sitemap
    assert f"{site}cases/{OLD_ID}.html" not in sitemap, "a redirect is not a page"
    assert all(url.startswith(site) for url in sitemap) and f"{site}search.html" not in sitemap
    exported = json.loads((html / "data" / "case-studies.json").read_text(encoding="utf-8"))["case_studies"]
    assert [(c["id"], c["previous_ids"]) for c in exported] == [(NEW_ID, [OLD_ID])]

    # Dropping the old id while a published edition lists its page is refused: the file, the id and the fix.
    rename_record(book, NEW_ID, NEW_ID, [])
    refused = run_build(book)
    assert refused.returncode != 0, "an address a published edition listed may not break"
    line = previous.index(f"cases/{OLD_ID}.html") + 1
    said = refused.stdout + refused.stderr
    assert f"data/editions/2026.12.0-pages.txt:{line}: (line): cases/{OLD_ID}.html, published in this edition" in said, said[-3000:]
    assert f"add '{OLD_ID}' to previous_ids of the record that replaced it" in said
    # A redirect no longer wanted (no edition lists its page) is removed by an incremental build, as a
    # clean build would not have it.
    listing.unlink()
    html = built(book)
    assert not (html / "cases" / f"{OLD_ID}.html").exists()
    assert unresolved(html, previous) == [f"cases/{OLD_ID}.html: no such page"]


def test_validate_refuses_a_previous_id_that_clashes_and_reports_every_problem_at_once(tmp_path: Path):
    book = make_book(tmp_path / "book")
    cases = book / "case_studies"
    sample = (cases / f"{OLD_ID}.yml").read_text(encoding="utf-8")
    # other-case claims the sample's current id, its own id, and an old id the sample claims too.
    other = sample.replace(f"\nid: {OLD_ID}\n", "\nid: other-case\n", 1) + f"previous_ids:\n  - {OLD_ID}\n  - other-case\n  - old-sample\n"
    (cases / "other-case.yml").write_text(other, encoding="utf-8")
    (cases / f"{OLD_ID}.yml").write_text(sample + "previous_ids:\n  - old-sample\n", encoding="utf-8")
    result = subprocess.run([str(BIN / "evidencebook"), "--root", str(book), "validate"], capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("case_studies/other-case.yml:")
        and f"previous_ids[0]: '{OLD_ID}' is the id of the case study in case_studies/{OLD_ID}.yml" in line
        and "— remove" in line
        for line in lines
    ), lines
    assert any(line.startswith("case_studies/other-case.yml:") and "previous_ids[1]: lists the case study's own id — remove it" in line for line in lines), lines
    assert any(
        line.startswith(f"case_studies/{OLD_ID}.yml:") and "previous_ids[0]: 'old-sample' is also a previous id of case_studies/other-case.yml" in line
        for line in lines
    ), lines
    assert run_build(book).returncode != 0, "nothing is built while a previous id clashes"
