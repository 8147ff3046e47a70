"""Citing the book (publish/citation.py), its settings (records/book.py), the links to its repository
(publish/contribute.py) and its citation metadata (CITATION.cff, .zenodo.json): no build needed."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from markupsafe import escape
from pybtex.database import parse_string

from evidencebook.publish.citation import (
    bibtex,
    csl_item,
    csl_json,
    export_citation,
    harvard,
    page_citation,
    ris,
)
from evidencebook.publish.contribute import (
    CASE_STUDY_FORM,
    CHANGE_FORM,
    FORM_FIELDS,
    edit_record_url,
    suggest_case_url,
    suggest_change_url,
)
from evidencebook.publish.pagecite import footer_html, page_cite_html, write_citation_files
from evidencebook.records.book import (
    Book,
    Provenance,
    edition_problem,
    long_date,
    read_book,
    source_provenance,
)
from evidencebook.tools.metadata import CITATION_CFF, ZENODO_JSON, metadata_files

BOOK = Book(
    title="Place-based health and care evidence book",
    author="The place-based health and care evidence book contributors",
    edition="2026.12.0",
    repository="https://github.com/example/book",
    branch="main",
    path_to_book="",
    site="https://example.org/book/",
)
HOSTILE_TITLES = [
    "Braces {unbalanced and } reversed }{",
    'Quotes "double" and \'single\' and `back`',
    "<script>window.__pwned=1</script><img src=x onerror=alert(1)>",
    "Line one\nER  - \nTY  - JOUR\nline two",
    "Specials: 50% & #1 $5 a_b ^ ~ \\textbf{x} @misc{evil,",
    "Ynys Môn — “smart” ‘quotes’ and ünïcödé",
]
# The reverse of citation.bibtex_text, to read a parsed BibTeX field back as text.
BIBTEX_READ = [
    (r"\textbackslash{}", "\\"),
    (r"\textbraceleft{}", "{"),
    (r"\textbraceright{}", "}"),
    (r"\textasciicircum{}", "^"),
    (r"\textasciitilde{}", "~"),
    *((f"\\{ch}", ch) for ch in "&%$#_"),
]


def bibtex_read(field: str) -> str:
    out, i = [], 0
    while i < len(field):
        for escaped, plain in BIBTEX_READ:
            if field.startswith(escaped, i):
                out.append(plain)
                i += len(escaped)
                break
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def cite(title: str = "Wigan Deal", docname: str = "cases/wigan-deal", accessed: str = "2026-12-03"):
    return page_citation(BOOK, docname, title, accessed)


# --- the formats --------------------------------------------------------------------------------------


def test_harvard_reference_names_the_editors_year_page_book_edition_address_and_access_date():
    assert harvard(cite()) == (
        "The place-based health and care evidence book contributors (2026) 'Wigan Deal', "
        "Place-based health and care evidence book, edition 2026.12.0. "
        "Available at: https://example.org/book/cases/wigan-deal.html (Accessed: 3 December 2026)."
    )
    assert harvard(cite(), "1 January 2027").endswith("(Accessed: 1 January 2027).")
    whole = harvard(page_citation(BOOK, "index", "Home", ""))
    assert whole.startswith("The place-based health and care evidence book contributors (2026) Place-based health")
    assert whole.endswith("Available at: https://example.org/book/index.html."), "no access date when none is known"


def test_bibtex_parses_and_gives_back_the_title_url_edition_and_dates():
    citation = cite()
    entry = parse_string(bibtex(citation), "bibtex").entries[citation.key]
    assert entry.type == "misc"
    assert entry.fields["title"] == "{Wigan Deal}", "double braces keep the title's capitals"
    assert entry.fields["url"] == citation.url
    assert entry.fields["edition"] == "2026.12.0" and entry.fields["year"] == "2026"
    assert entry.fields["urldate"] == "2026-12-03"
    [editors] = entry.persons["author"]  # one organisation, not a list of names split at "and"
    assert str(editors) == "{The place-based health and care evidence book contributors}" and not editors.first_names


def test_ris_has_one_tag_per_line_and_ends_the_record():
    text = ris(cite())
    lines = text.split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2] == "ER  - " and lines[-1] == ""
    tags = dict(line.split("  - ", 1) for line in lines[:-2])
    assert tags["TI"] == "Wigan Deal" and tags["T2"] == BOOK.title
    assert tags["UR"] == "https://example.org/book/cases/wigan-deal.html"
    assert tags["ET"] == "2026.12.0" and tags["PY"] == "2026" and tags["Y2"] == "2026/12/03"
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines[:-1])


def test_csl_json_is_a_list_of_one_webpage_item():
    [item] = json.loads(csl_json(cite()))
    assert item["type"] == "webpage" and item["title"] == "Wigan Deal"
    assert item["container-title"] == BOOK.title and item["version"] == "2026.12.0"
    assert item["author"] == [{"literal": BOOK.author}]
    assert item["URL"] == "https://example.org/book/cases/wigan-deal.html"
    assert item["issued"] == {"date-parts": [[2026]]} and item["accessed"] == {"date-parts": [[2026, 12, 3]]}


def test_the_export_carries_the_same_citation_as_the_files():
    citation = cite()
    exported = export_citation(citation)
    assert exported == {"harvard": harvard(citation), "bibtex": bibtex(citation), "csl": csl_item(citation)}


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_stay_inert_in_every_format(title):
    citation = cite(title)
    flat = " ".join(title.split())
    # BibTeX: one entry, braces balanced, the title read back exactly (on one line).
    database = parse_string(bibtex(citation), "bibtex")
    assert list(database.entries) == [citation.key]
    field = database.entries[citation.key].fields["title"]
    assert field.startswith("{") and field.endswith("}")
    assert bibtex_read(field[1:-1]) == flat
    # RIS: every line a tag, one record, the title on one line.
    lines = ris(citation).split("\r\n")
    assert [line for line in lines if line.startswith("ER  -")] == ["ER  - "]
    assert [line for line in lines if line.startswith("TY  -")] == ["TY  - ELEC"]
    assert f"TI  - {flat}" in lines
    # CSL-JSON: the title exactly, as data.
    assert json.loads(csl_json(citation))[0]["title"] == flat
    # HTML: escaped by the template.
    section = str(page_cite_html(citation, "cases/x", "case_studies/x.yml", BOOK))
    assert "<script>" not in section and "<img" not in section
    assert str(escape(flat)) in section


# --- the page's section, the footer and the downloads ------------------------------------------------------


def test_cite_section_links_the_downloads_and_on_a_case_page_the_forms():
    section = str(page_cite_html(cite(), "cases/wigan-deal", "case_studies/wigan-deal.yml", BOOK))
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', section)]
    assert hrefs[:3] == ["../cite/cases/wigan-deal.bib", "../cite/cases/wigan-deal.ris", "../cite/cases/wigan-deal.json"]
    assert hrefs[3] == suggest_change_url(BOOK, "wigan-deal")
    assert hrefs[4] == "https://github.com/example/book/edit/main/case_studies/wigan-deal.yml"
    assert 'type="application/x-bibtex"' in section and "<em>Place-based health and care evidence book</em>" in section
    chapter = str(page_cite_html(cite("Overview", "chapters/overview"), "chapters/overview", None, BOOK))
    assert "Suggest a change" not in chapter and 'href="../cite/chapters/overview.bib"' in chapter


def test_footer_names_the_edition_date_and_commit_or_says_unknown():
    commit = "0123456789abcdef0123456789abcdef01234567"
    known = str(footer_html(BOOK, Provenance(commit, "2026-12-03")))
    assert "Edition <span class=\"kb-edition-id\">2026.12.0</span>" in known
    assert '<time datetime="2026-12-03">3 December 2026</time>' in known
    assert f'<a href="https://github.com/example/book/commit/{commit}"><code>0123456</code></a>' in known
    unknown = re.sub(r"<[^>]+>", "", str(footer_html(BOOK, Provenance("", ""))))
    assert "built unknown" in unknown and "source commit unknown" in unknown


def test_downloads_are_written_once_and_those_of_pages_gone_are_removed(tmp_path):
    write_citation_files(tmp_path, {"cases/a": cite("A", "cases/a"), "cases/b": cite("B", "cases/b")})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "cite").rglob("*.*")) == [
        f"cite/cases/{name}.{suffix}" for name in "ab" for suffix in ("bib", "json", "ris")
    ]
    assert (tmp_path / "cite/cases/a.ris").read_bytes().endswith(b"ER  - \r\n"), "RIS keeps its CRLF"
    removed = write_citation_files(tmp_path, {"cases/a": cite("A", "cases/a")})
    assert removed == [f"cite/cases/b.{suffix}" for suffix in ("bib", "json", "ris")]


# --- links to the repository --------------------------------------------------------------------------------


def form_ids(root: Path, form: str) -> set[str]:
    data = yaml.safe_load((root / ".github" / "ISSUE_TEMPLATE" / form).read_text(encoding="utf-8"))
    return {element["id"] for element in data["body"] if "id" in element}


def test_every_field_a_link_fills_in_exists_in_its_form(root):
    for form, fields in FORM_FIELDS.items():
        assert set(fields) <= form_ids(root, form), form
    for url, form in ((suggest_change_url(BOOK, "wigan-deal"), CHANGE_FORM), (suggest_case_url(BOOK, "care-homes", "Care homes", "Hospital use"), CASE_STUDY_FORM)):
        query = parse_qs(urlsplit(url).query)
        assert query.pop("template") == [form]
        query.pop("title")
        assert set(query) <= form_ids(root, form), url


def test_suggest_and_edit_links_are_built_from_the_configured_repository():
    url = suggest_change_url(BOOK, "wigan-deal")
    assert url.startswith("https://github.com/example/book/issues/new?")
    assert parse_qs(urlsplit(url).query) == {
        "template": ["correction.yml"],
        "title": ["Change to a case study: wigan-deal"],
        "case-study": ["wigan-deal"],
    }
    folder = Book(**{**BOOK.__dict__, "path_to_book": "book/", "branch": "trunk"})
    assert edit_record_url(folder, "case_studies/a b.yml") == "https://github.com/example/book/edit/trunk/book/case_studies/a%20b.yml"
    gap = parse_qs(urlsplit(suggest_case_url(BOOK, "care-homes", "Care homes", "Hospital & A&E use")).query)
    assert gap["themes"] == ["care-homes"] and gap["title"] == ["Case study: Care homes (outcomes: Hospital & A&E use)"]


# --- the settings, the edition and where a build comes from --------------------------------------------------


def test_the_books_settings_come_from_config_yml(root):
    book = read_book(root)
    assert book.repository.startswith("https://github.com/") and not book.repository.endswith("/")
    assert book.site.startswith("https://") and book.site.endswith("/")
    assert edition_problem(book.edition) is None
    assert book.year == book.edition.split(".")[0]
    assert book.page_url("cases/x") == f"{book.site}cases/x.html"


def test_a_book_without_settings_still_reads(tmp_path):
    (tmp_path / "_config.yml").write_text("title: T\nhtml:\n  baseurl: https://example.org/x\n", encoding="utf-8")
    book = read_book(tmp_path)
    assert (book.title, book.edition, book.repository, book.branch, book.site) == ("T", "", "", "main", "https://example.org/x/")
    assert edition_problem("2026.13.0") and edition_problem("26.1") and edition_problem("2027.1.0") is None


def test_publishing_stops_when_config_yml_names_another_repository_or_site(tmp_path, capsys):
    """CI runs check-addresses before it publishes: a placeholder left in _config.yml would give every edit
    link, citation and CSV URL a wrong address. The message names the setting and the value to give it."""
    from evidencebook.tools.cli import main

    (tmp_path / "case_studies").mkdir()
    (tmp_path / "_config.yml").write_text(
        "title: T\nrepository:\n  url: https://github.com/placeholder/book\nhtml:\n  baseurl: https://placeholder.github.io/book\n",
        encoding="utf-8",
    )

    def check(repository, site):
        status = main(["--root", str(tmp_path), "check-addresses", "--repository", repository, "--site", site])
        return status, capsys.readouterr().err

    assert check("https://github.com/placeholder/book/", "https://placeholder.github.io/book/") == (0, "")
    status, err = check("https://github.com/nhs-org/evidence", "https://evidence.example.org/")
    assert status == 1
    assert "repository.url is 'https://github.com/placeholder/book'" in err and "set repository.url to 'https://github.com/nhs-org/evidence'" in err
    assert "set html.baseurl to 'https://evidence.example.org/'" in err


def test_provenance_is_the_commit_and_its_date_or_unknown_without_git(tmp_path):
    assert source_provenance(tmp_path) == Provenance("", "")
    assert Provenance("", "").short == "unknown"
    env = {"GIT_AUTHOR_DATE": "2026-11-30T23:30:00+00:00", "GIT_COMMITTER_DATE": "2026-11-30T23:30:00-02:00"}
    run = {"cwd": tmp_path, "check": True, "capture_output": True, "env": {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}}
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "x"], **run)
    found = source_provenance(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{40}", found.commit) and found.date == "2026-12-01", "the commit's date, in UTC"
    assert long_date("2027-01-09") == "9 January 2027"


# --- CITATION.cff and .zenodo.json ------------------------------------------------------------------------


def test_the_readme_says_a_doi_needs_a_github_release_published_from_the_tag(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    start = readme.index("### What the repository on GitHub needs, once")
    section = " ".join(readme[start : readme.index("\n## ", start)].split())
    assert "A DOI comes from a published GitHub Release, not from the tag." in section
    assert "publish a GitHub Release from that tag" in section and ZENODO_JSON in section and "make release" in section


def test_citation_cff_and_zenodo_json_parse_and_agree_with_the_configuration(root):
    book = read_book(root)
    cff = yaml.safe_load((root / CITATION_CFF).read_text(encoding="utf-8"))
    zenodo = json.loads((root / ZENODO_JSON).read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["message"]
    assert cff["title"] == zenodo["title"] == book.title
    assert str(cff["version"]) == zenodo["version"] == book.edition
    assert cff["authors"] == [{"name": book.author}] and zenodo["creators"] == [{"name": book.author}]
    assert cff["repository-code"] == book.repository and cff["url"] == book.site
    assert cff.get("date-released") == zenodo.get("publication_date")
    assert zenodo["upload_type"] == "publication" and zenodo["license"] == "cc-by-4.0"


def test_metadata_files_follow_the_configuration_and_keep_the_release_date(tmp_path, root):
    (tmp_path / "_config.yml").write_text((root / "_config.yml").read_text(encoding="utf-8").replace("place-based-health/evidence-book", "other/repo"), encoding="utf-8")
    for path, text in metadata_files(tmp_path, "2026-12-03").items():
        path.write_text(text, encoding="utf-8")
    again = metadata_files(tmp_path)
    assert yaml.safe_load(again[tmp_path / CITATION_CFF])["repository-code"] == "https://github.com/other/repo"
    assert str(yaml.safe_load(again[tmp_path / CITATION_CFF])["date-released"]) == "2026-12-03"
    assert json.loads(again[tmp_path / ZENODO_JSON])["publication_date"] == "2026-12-03"
