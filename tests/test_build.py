"""The strict build: the real book once per session, and small books for the role and the cache."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import pickle
import re
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
import yaml

from evidencebook.records.kb import load_knowledge_base
from evidencebook.sphinx.patches import PATCHES, RECORD, notebook_cache

from .chartfiles import BASE64_CSV, chart_downloads
from .conftest import FIXTURES, make_book, run_build

pytestmark = pytest.mark.build


def test_every_record_has_a_page_a_catalogue_row_and_an_export_entry(built_book: Path, root: Path):
    record_ids = sorted(p.stem for p in (root / "case_studies").glob("[!_]*.yml"))
    assert record_ids, "the book has case studies"
    # The catalogue filters in the browser; its A-Z list pages link every record without JavaScript.
    catalogue = "".join(p.read_text() for p in sorted((built_book / "cases" / "list").glob("*.html")))
    exported = json.loads((built_book / "data" / "case-studies.json").read_text())
    assert [c["id"] for c in exported["case_studies"]] == record_ids
    for case_id in record_ids:
        page = built_book / "cases" / f"{case_id}.html"
        assert page.exists(), case_id
        assert f'href="../{case_id}.html"' in catalogue, case_id
    generated = {p.stem for p in (built_book / "cases").glob("*.html")} - {"index", "outcomes"}  # the catalogue, the comparison
    assert generated == set(record_ids), "no page without a record, no record without a page"
    outcomes = (built_book / "data" / "outcomes.csv").read_text().splitlines()
    kb = load_knowledge_base(root)
    assert len(outcomes) - 1 == sum(len(r.outcomes) for r in kb.records.values())


def test_case_page_shows_title_facts_outcomes_and_formatted_sources(built_book: Path, root: Path):
    kb = load_knowledge_base(root)
    record = next(r for r in kb.records.values() if r.outcomes)
    page = (built_book / "cases" / f"{record.id}.html").read_text()
    assert "<h1>" in page and record.title.split()[0] in page
    for label in ("Place", "Level", "Model", "Period", "Status", "Themes", "Evidence"):
        assert f">{label}<" in page
    planned = (built_book / "cases" / "coventry-single-case-management-system.html").read_text()
    assert re.search(r">Status<.*?>\s*Planned\s*<", planned, re.S), "a system the source says 'will allow' sharing reads as planned"
    assert "evidence-badge" in page and "<table" in page
    assert 'href="../bibliography.html#' in page, "citations link to the bibliography"


def test_the_built_site_is_self_contained(built_book: Path):
    """No page loads anything from another host: no CDN scripts, styles, fonts or images. (A page's
    canonical link, its published address from _config.yml's html.baseurl, loads nothing.)"""
    external = re.compile(r'<(?:script|link(?![^>]*rel="canonical")|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    offenders = [p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html") if external.search(p.read_text())]
    assert offenders == []


def test_chart_pages_load_the_chart_script_but_not_the_vega_bundle_until_asked(built_book: Path):
    overview = (built_book / "chapters" / "overview.html").read_text()
    assert overview.count('class="kb-chart"') >= 2
    assert "_vendor/kbcharts.js" in overview and "_vendor/vega-bundle.js" not in overview  # kbcharts.js loads it on request
    assert "cdn.jsdelivr" not in overview
    assert (built_book / "_static" / "_vendor" / "vega-bundle.js").stat().st_size > 500_000
    assert "_vendor/kbcharts.js" not in (built_book / "bibliography.html").read_text()


def test_every_chart_has_description_csv_and_source(built_book: Path):
    charts = 0
    for page in built_book.rglob("*.html"):
        html = page.read_text()
        assert not BASE64_CSV.search(html), f"{page}: chart data inlined in the page"
        files = chart_downloads(page)  # fails on a link to a file that does not exist
        for figure in re.findall(r'<figure class="kb-figure".*?</figure>', html, re.S):
            charts += 1
            assert re.search(r'class="kb-chart" role="img" aria-label="[^"]{10,}"', figure), page
            name = re.search(r'class="kb-csv" download="([^"]+)\.csv" href="([^"]*/)?data/charts/\1\.csv"', figure)
            assert name, page
            rows = list(csv.reader(io.StringIO(files[name.group(1)])))
            shown = re.search(r'<table[^>]*kb-data-table.*?</table>', figure, re.S).group(0)  # the data as a table
            assert len(rows) == shown.count("<tr") >= 2, f"{page}: {name.group(1)}.csv is not the chart's data"
            assert "Source:" in figure, page
    assert charts >= 10


def test_case_role_links_by_title_and_unknown_ids_fail_the_build(tmp_path: Path):
    book = make_book(tmp_path / "book")
    (book / "chapters" / "roles.md").write_text(
        "---\norphan: true\n---\n# Roles\n\nSee {case}`sample-case` for the example.\n"
    )
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (book / "_build" / "html" / "chapters" / "roles.html").read_text()
    assert re.search(r'<a class="reference internal" href="../cases/sample-case.html">.*Sample town joint discharge team', html)

    (book / "chapters" / "roles.md").write_text("---\norphan: true\n---\n# Roles\n\nSee {case}`sample-cse`.\n")
    result = run_build(book)
    assert result.returncode != 0
    assert "unknown case study 'sample-cse'" in result.stdout + result.stderr
    assert "did you mean 'sample-case'" in result.stdout + result.stderr


def test_an_invalid_record_stops_the_build_with_its_message(tmp_path: Path):
    bad = tmp_path / "bad-case.yml"
    data = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    data.update(id="bad-case", level="plac")
    bad.write_text(yaml.safe_dump(data))
    book = make_book(tmp_path / "book", [FIXTURES / "sample-case.yml", bad])
    result = run_build(book)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "case_studies/bad-case.yml" in output and "did you mean 'place'?" in output
    assert not (book / "_build" / "html" / "cases" / "bad-case.html").exists()


PARALLEL_READ = r"reading sources\.\.\. .*\[\s*\d+%\].* \.\. "
PARALLEL_WRITE = r"writing output\.\.\. .*\[\s*\d+%\].* \.\. "


def same_commit_date(root: Path, copy: Path) -> tuple[str, str]:
    """Commit `copy` to a git repository of its own, dated like `root`'s HEAD, so both builds state the same
    source date; return the two commits' hashes."""

    def git(where: Path, *args: str, **env: str) -> str:
        return subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True, check=True,
                              env={**os.environ, **env}).stdout.strip()

    commit, date = git(root, "log", "-1", "--format=%H %cI").split()
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-q", "-m", "copy",
        GIT_COMMITTER_DATE=date, GIT_AUTHOR_DATE=date)
    return commit, git(copy, "rev-parse", "HEAD")


def site_files(html: Path) -> dict[str, bytes]:
    """Every published file of a built site, by path (build bookkeeping left out)."""
    skip = {".buildinfo", ".evidencebook-build.json"}
    # Sphinx adds a cache-busting ?v=checksum to a stylesheet link only once the file is in the output,
    # which for myst-nb's stylesheet is after the first build has written its pages.
    return {
        p.relative_to(html).as_posix(): re.sub(rb"\?v=[0-9a-f]{8}", b"", p.read_bytes())
        for p in sorted(html.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def test_an_incremental_rebuild_publishes_exactly_what_a_clean_build_does(tmp_path: Path):
    book = make_book(tmp_path / "book")
    # An image is what a worker writing pages in parallel reports back to the main process.
    (book / "chapters" / "pixel.png").write_bytes(one_pixel_png())
    page = book / "chapters" / "overview.md"
    page.write_text(page.read_text() + "\n![A one-pixel test image](pixel.png)\n")
    # A section title the search index must escape once, on a page the incremental build does not rewrite.
    page = book / "chapters" / "contributing.md"
    page.write_text(page.read_text() + "\n## Councils & partners <reading>\n\nMore to read.\n")
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    # Sphinx names a chunk of pages ("a .. b") only when it reads and writes them in parallel.
    assert re.search(PARALLEL_READ, result.stdout) and re.search(PARALLEL_WRITE, result.stdout)
    assert (book / "_build" / "html" / "_images" / "pixel.png").read_bytes() == one_pixel_png()
    assert patches_that_did_not_run(book) == []
    overview = book / "_build" / "html" / "chapters" / "overview.html"
    assert "3 outcomes from 1 case study<" in overview.read_text() and "1 case studies" not in overview.read_text()
    # Nothing is numbered, so no build walks every page's doctree to number figures (extension.number_nothing).
    environment = pickle.loads((book / "_build" / ".doctrees" / "environment.pickle").read_bytes())
    assert environment.config.numfig is False

    # Edit a record and add one: the pages come first, then the chapters that count them.
    record = book / "case_studies" / "sample-case.yml"
    data = yaml.safe_load(record.read_text())
    data["outcomes"] = data["outcomes"][:1]
    data["title"] = "An edited title"
    time.sleep(1)  # Sphinx compares modification times
    record.write_text(yaml.safe_dump(data, sort_keys=False))
    added = dict(data, id="added-case", title="A case study added later")
    (book / "case_studies" / "added-case.yml").write_text(yaml.safe_dump(added, sort_keys=False))
    bib = book / "references.bib"  # and a cited work's title: cached citations and pages must follow
    bib.write_text(bib.read_text().replace("Get well soon: reimagining", "Get well soon (retitled): reimagining", 1))
    result = run_build(book)  # incremental, with every cache kept
    assert result.returncode == 0, result.stdout[-3000:]
    assert "pages updated" in result.stdout  # the two-pass path was taken
    # The first pass shows the case pages and runs no chapter: a chapter split into pages has a globbed
    # toctree, which Sphinx re-reads whenever a page is added (extension.read_case_pages_first).
    first, second = result.stdout.split("pages updated")
    assert "Executing notebook" not in first
    # Meanwhile the chapters that count the records start running ahead (sphinx/runahead.py); the second
    # pass takes each one it finished from the notebook cache: no chapter is executed twice.
    ran_ahead = re.findall(r"\[evidencebook\] (\S+): run ahead in", result.stdout)
    executed = [Path(path).relative_to(book).with_suffix("").as_posix() for path in re.findall(r"(\S+\.md): Executing notebook", second)]
    assert ran_ahead, "the runner starts with the first pass and claims a chapter at once"
    assert sorted(ran_ahead + executed) == sorted(set(ran_ahead + executed)), (ran_ahead, executed)
    assert "chapters/overview" in ran_ahead + executed
    # Nor does it save Sphinx's environment or search index (patches/sphinx_first_pass.py): the second
    # pass loads the ones the last complete build saved and reads and indexes the changed pages again.
    assert "pickling environment" not in first and "pickling environment" in second
    assert "dumping search index" not in first and "dumping search index" in second
    assert re.search(r"\b1 added, \d+ changed", second), "the second pass adds the new page to the saved environment"
    assert "2 outcomes from 2 case studies" in overview.read_text()
    case_page = (book / "_build" / "html" / "cases" / "sample-case.html").read_text()
    assert "An edited title" in case_page and "Get well soon (retitled)" in case_page
    assert "Get well soon (retitled)" in (book / "_build" / "html" / "bibliography.html").read_text()

    result = run_build(book)  # nothing changed: nothing is rebuilt or re-executed
    assert result.returncode == 0
    assert "up to date" in result.stdout and "Executing notebook" not in result.stdout

    clean = tmp_path / "clean"
    shutil.copytree(book, clean, ignore=shutil.ignore_patterns("_build", "cases"))
    assert run_build(clean).returncode == 0
    incremental, fresh = site_files(book / "_build" / "html"), site_files(clean / "_build" / "html")
    index = json.loads(re.match(rb"Search\.setIndex\((.*)\)$", incremental["searchindex.js"], re.S).group(1))
    assert "Councils &amp; partners &lt;reading&gt;" in index["alltitles"], "escaped once, not twice"
    assert sorted(incremental) == sorted(fresh)
    differing = [name for name in fresh if incremental[name] != fresh[name]]
    assert differing == [], f"pages that differ from a clean build: {differing[:20]}"


def patch_record(book: Path) -> dict:
    """What the book's last build recorded of the patches of other projects (sphinx/patches/)."""
    return json.loads((book / RECORD).read_text())


def patches_that_did_not_run(book: Path) -> list[str]:
    """The registry's patches the last build did not apply, or whose code never ran."""
    applied = patch_record(book)["applied"]
    return [patch.name for patch in PATCHES if applied.get(patch.name, {}).get("count", 0) == 0]


def search_index(html: Path) -> dict:
    text = (html / "searchindex.js").read_text()
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 5)) + chunk(b"IEND", b"")


def test_the_patches_change_no_published_byte_but_the_search_titles_they_escape(tmp_path: Path, built_book: Path):
    """The patches of other projects (sphinx/patches/) are for speed, except the search index's: the
    real book as `make book` builds it and the same sources built with none of them (--plain-sphinx)
    on one job are the same site, byte for byte, apart from searchindex.js, where the patched build
    escapes section titles once and writes index entries in a fixed order. Each build's record says
    which patches it applied; the comparison means nothing unless every one of them did. (The
    incremental test above covers an image written by a parallel worker.)"""
    plain = make_book(tmp_path / "plain", with_real_records=True)
    source, copy = same_commit_date(built_book.parent.parent, plain)  # pages name their source commit and its date
    # The chapters' executed notebooks, from the session's build: code cells run in a kernel of their own,
    # which no patch reaches, and executing every chapter again on one job would double this test's time.
    shutil.copytree(built_book.parent / ".jupyter_cache", plain / "_build" / ".jupyter_cache")
    result = run_build(plain, "--plain-sphinx", "--jobs", "1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not re.search(PARALLEL_READ, result.stdout) and not re.search(PARALLEL_WRITE, result.stdout)
    assert patch_record(plain)["enabled"] is False and patch_record(plain)["applied"] == {}
    # Every patch ran in the builds that made the session's site (counted since its last fresh start), but
    # the notebook cache's lock, which runs only when a chapter is executed (a warm cache executes none)
    # and changes no published byte; the incremental test above sees it run.
    not_run = set(patches_that_did_not_run(built_book.parent.parent)) - {notebook_cache.NAME}
    assert not_run == set(), "a patch never ran: the comparison shows nothing"

    fast_site, plain_site = site_files(built_book), site_files(plain / "_build" / "html")
    for name, data in fast_site.items():  # the copy's commit has its own hash; all else must match
        fast_site[name] = data.replace(source.encode(), copy.encode()).replace(source[:7].encode(), copy[:7].encode())
    assert sorted(fast_site) == sorted(plain_site)
    differing = [name for name in plain_site if fast_site[name] != plain_site[name] and name != "searchindex.js"]
    assert differing == [], f"pages the patches changed: {differing[:20]}"

    fast, unpatched = search_index(built_book), search_index(plain / "_build" / "html")
    assert fast["alltitles"] != unpatched["alltitles"], "the real book has titles to escape (&, quotes)"
    assert fast["alltitles"] == {html.escape(title, quote=True): found for title, found in unpatched["alltitles"].items()}
    assert fast["indexentries"] == {name: sorted(places) for name, places in unpatched["indexentries"].items()}
    assert {k: v for k, v in fast.items() if k not in ("alltitles", "indexentries")} == {
        k: v for k, v in unpatched.items() if k not in ("alltitles", "indexentries")
    }


def test_a_change_to_the_books_css_alone_reaches_every_page(tmp_path: Path):
    """Pages link the stylesheet with a checksum of its content; a stylesheet edit must be copied and
    every page must link the new checksum, as after a clean build (the library is copied, so the
    installed one is never touched)."""
    import os
    import subprocess
    import sys

    import evidencebook

    library = tmp_path / "scripts" / "evidencebook"
    shutil.copytree(Path(evidencebook.__file__).parent, library, ignore=shutil.ignore_patterns("__pycache__"))
    book = make_book(tmp_path / "book")

    def build() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "evidencebook", "--root", str(book), "build"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(library.parent), "PYTHONWARNINGS": "ignore"},
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return (book / "_build" / "html" / "cases" / "sample-case.html").read_text(encoding="utf-8")

    def checksum(page: str) -> str:
        return re.search(r"evidencebook\.css\?v=([0-9a-f]+)", page).group(1)

    before = checksum(build())
    css = library / "sphinx" / "static" / "css" / "evidencebook.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.a-rule-added-by-the-test { color: red; }\n", encoding="utf-8")
    after = checksum(build())
    assert after != before
    assert ".a-rule-added-by-the-test" in (book / "_build" / "html" / "_static" / "evidencebook.css").read_text()
    assert checksum((book / "_build" / "html" / "index.html").read_text(encoding="utf-8")) == after
