"""The built book cites, dates and links back to its repository: every case page and chapter has
"Cite this page" with its downloads, every case page its "Suggest a change" and "Edit the record",
every page's footer the edition, build date and source commit, and the downloads absolute addresses."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from pybtex.database import parse_string

from evidencebook.publish.citation import export_citation, page_citation
from evidencebook.publish.contribute import edit_record_url, suggest_change_url
from evidencebook.records.book import long_date, read_book, source_provenance

from .conftest import ROOT

pytestmark = pytest.mark.build

SECTION = re.compile(r'<section class="kb-cite".*?</section>', re.S)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def hrefs(fragment: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', fragment)]


@pytest.fixture(scope="module")
def book():
    return read_book(ROOT)


@pytest.fixture(scope="module")
def exported(built_book: Path) -> dict[str, dict]:
    data = json.loads((built_book / "data" / "case-studies.json").read_text(encoding="utf-8"))
    return {c["id"]: c for c in data["case_studies"]}


def toc_pages(root: Path, html: Path) -> list[str]:
    """Every page _toc.yml lists: its root, each chapter and its sections at any depth, a `glob` entry
    by the pages the build wrote for it (chapters/overview/* ...); the catalogue and comparison are views."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"].removesuffix(".md"))
            if "glob" in entry:
                matched = sorted(p.relative_to(html).with_suffix("").as_posix() for p in html.glob(f"{entry['glob']}.html"))
                assert matched, f"_toc.yml's glob {entry['glob']} matches no page of the build"
                pages.extend(matched)
            walk(entry.get("sections", []))

    for part in toc.get("parts", [toc]):
        walk(part.get("chapters", []))
    return [p for p in pages if not p.startswith("cases/")]


def test_every_case_page_cites_itself_and_links_its_forms(built_book: Path, book, exported):
    provenance = source_provenance(ROOT)
    for case_id, case in exported.items():
        page = (built_book / "cases" / f"{case_id}.html").read_text(encoding="utf-8")
        [section] = SECTION.findall(page)
        citation = page_citation(book, f"cases/{case_id}", case["title"], provenance.date)
        reference = text_of(re.search(r'<p class="kb-cite-ref".*?</p>', section, re.S).group())
        assert reference == case["citation"]["harvard"] == export_citation(citation)["harvard"]
        assert f"'{' '.join(case['title'].split())}'" in reference and f"Available at: {book.site}cases/{case_id}.html" in reference
        links = hrefs(section)
        assert links[:3] == [f"../cite/cases/{case_id}.{suffix}" for suffix in ("bib", "ris", "json")]
        assert links[3] == suggest_change_url(book, case_id)
        assert parse_qs(urlsplit(links[3]).query)["case-study"] == [case_id]
        assert links[4] == edit_record_url(book, f"case_studies/{case_id}.yml") == f"{book.repository}/edit/{book.branch}/case_studies/{case_id}.yml"
        assert "Suggest a change" in text_of(section) and "edit the record" in text_of(section)
        assert case["url"] == citation.url, "the export's address is the page's published one"


def test_every_chapter_is_citable_and_the_other_pages_are_not(built_book: Path, book):
    pages = toc_pages(ROOT, built_book)
    assert any(p.startswith("chapters/overview/") for p in pages) and "chapters/contributing/the-record" in pages, "sub-pages too"
    for docname in pages:
        page = (built_book / f"{docname}.html").read_text(encoding="utf-8")
        [section] = SECTION.findall(page)
        assert f"Available at: {book.page_url(docname)}" in text_of(section), docname
        assert "Suggest a change" not in section, "the correction form is for case studies"
        assert (built_book / "cite" / f"{docname}.bib").is_file()
    for docname in ("cases/index", "cases/list/1", "cases/outcomes", "search", "genindex"):
        path = built_book / f"{docname}.html"
        if path.exists():
            assert not SECTION.search(path.read_text(encoding="utf-8")), docname


def test_the_downloads_hold_the_pages_citation(built_book: Path, exported):
    for case_id, case in sorted(exported.items())[:20]:
        folder = built_book / "cite" / "cases"
        entry = parse_string((folder / f"{case_id}.bib").read_text(encoding="utf-8"), "bibtex").entries
        [(key, fields)] = [(k, e.fields) for k, e in entry.items()]
        assert key == case["citation"]["csl"]["id"] and fields["url"] == case["url"]
        ris = (folder / f"{case_id}.ris").read_bytes().decode("utf-8")
        assert ris.startswith("TY  - ELEC\r\n") and f"UR  - {case['url']}\r\n" in ris and ris.endswith("ER  - \r\n")
        assert json.loads((folder / f"{case_id}.json").read_text(encoding="utf-8")) == [case["citation"]["csl"]]
    cited = {p.stem for p in (built_book / "cite" / "cases").glob("*.bib")}
    assert cited == set(exported), "one set of downloads per case study, none for pages gone"


def test_every_page_footer_shows_edition_build_date_and_commit(built_book: Path, book):
    provenance = source_provenance(ROOT)
    assert provenance.commit, "the project is a git checkout"
    pages = [built_book / "index.html", built_book / "cases" / "index.html", built_book / "search.html"]
    pages += sorted((built_book / "cases").glob("*.html"))[:10] + sorted((built_book / "chapters").glob("*.html"))
    for path in pages:
        footer = re.search(r'<p class="kb-edition">.*?</p>', path.read_text(encoding="utf-8"), re.S)
        assert footer, f"{path.relative_to(built_book)} has no edition in its footer"
        words = text_of(footer.group())
        assert words == f"Edition {book.edition} · built {long_date(provenance.date)} · source commit {provenance.commit[:7]}"
        assert hrefs(footer.group()) == [f"{book.repository}/commit/{provenance.commit}"]


LINK_NAME = re.compile(r"(url|href|link|.*[_-]url)", re.I)  # a column or key that holds an address
# The site's own indexes, read by its pages' scripts: a template relative to the page, so any copy of the
# site (the offline edition) links to itself. Not a download's address.
SITE_TEMPLATES = {("data/catalogue-index.json", "url"), ("data/outcomes-index.json", "url")}


def json_links(value, key: str = "") -> list[tuple[str, str]]:
    """(key, value) of every string under a link-named key, at any depth; not in Datasette's `columns`
    (data/metadata.json), whose keys are column names and whose values describe them."""
    if isinstance(value, dict):
        if key == "columns":
            return []
        return [found for k, v in value.items() for found in json_links(v, str(k))]
    if isinstance(value, list):
        return [found for v in value for found in json_links(v, key)]
    return [(key, value)] if isinstance(value, str) and LINK_NAME.fullmatch(key) else []


def test_published_csv_and_json_give_absolute_addresses(built_book: Path, book, exported):
    rows = list(csv.DictReader(io.StringIO((built_book / "data" / "case-studies.csv").read_text(encoding="utf-8"))))
    assert rows and all(r["url"] == f"{book.site}cases/{r['id']}.html" for r in rows)
    assert all(c["url"].startswith(book.site) for c in exported.values())
    index = json.loads((built_book / "data" / "catalogue-index.json").read_text(encoding="utf-8"))
    assert index["url"] == "cases/{id}.html", "the site's own index stays relative, so any copy links to itself"

    # Every address in every published CSV and JSON file (chart data under data/charts/ included) is
    # absolute, and one on the site leads to a page the build wrote, and to the place on it it names.
    links: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(built_book.rglob("*.csv")):
        table = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        named = [c for c in table.fieldnames or [] if LINK_NAME.fullmatch(c)]
        links[path.relative_to(built_book).as_posix()] = [(c, row[c]) for row in table for c in named if row[c]]
    for path in sorted((built_book / "data").rglob("*.json")):
        rel = path.relative_to(built_book).as_posix()
        found = json_links(json.loads(path.read_text(encoding="utf-8")))
        links[rel] = [(key, value) for key, value in found if (rel, key) not in SITE_TEMPLATES]
    charts = [rel for rel, found in links.items() if rel.startswith("data/charts/") and found]
    assert "data/charts/evidence-gap-map.csv" in charts and len(charts) >= 5, "the charts' links are checked too"
    pages: dict[str, str] = {}
    for rel, found in links.items():
        for column, value in found:
            parts = urlsplit(value)
            assert parts.scheme in ("http", "https") and parts.netloc, f"{rel}: {column} {value!r} is not an absolute address"
            if not value.startswith(book.site):
                continue
            page = parts.path.removeprefix(urlsplit(book.site).path)
            assert (built_book / page).is_file(), f"{rel}: {column} {value!r} leads to no page"
            if parts.fragment and page.endswith(".html"):
                text = pages.setdefault(page, (built_book / page).read_text(encoding="utf-8"))
                assert f'id="{parts.fragment}"' in text, f"{rel}: {column} {value!r}: the page has no such place"


def test_gaps_and_the_contributing_chapter_link_the_issue_forms(built_book: Path, book):
    gap_map = (built_book / "chapters" / "evidence-gap-map.html").read_text(encoding="utf-8")
    gaps = re.findall(r'<td class="kb-egm-gap" id="egm-([a-z0-9-]+)--([a-z0-9-]+)">(.*?)</td>', gap_map, re.S)
    assert gaps, "the real records leave gaps"
    for theme, _domain, cell in gaps:
        [link] = hrefs(cell)
        query = parse_qs(urlsplit(link).query)
        assert link.startswith(f"{book.repository}/issues/new?") and query["template"] == ["case-study.yml"]
        assert query["themes"] == [theme]
    assert "contributing.html" not in gap_map.split('class="kb-egm')[1], "gaps no longer open the developer guide"
    contributing = (built_book / "chapters" / "contributing.html").read_text(encoding="utf-8")
    for form in ("case-study.yml", "correction.yml"):
        assert f'href="{book.repository}/issues/new?template={form}"' in contributing
