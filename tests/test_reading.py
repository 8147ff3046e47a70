"""The reading list, the glossary, the introduction and the summary: what a reader finds on them, with
the expected values computed straight from the records and data files, never from the library."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from evidencebook.chapters.reading import chapter_citations, reading_list_page, work_anchor
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT

HEE_BRIEF = Path("/work/shared/seeds/001_1b8326543d6575cc.txt")  # the HEE evidence brief as text
HEE_SECTIONS = ("Key publications – the big picture", "Case Studies", "Journal articles")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _keys_in(value) -> set[str]:
    """Every citation key in a record as raw YAML: any mapping with `key` and `locator`."""
    if isinstance(value, dict):
        found = {value["key"]} if "key" in value and "locator" in value else set()
        return found.union(*(_keys_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys_in(v) for v in value)) if value else set()
    return set()


def cases_citing_from_yaml() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for path in (ROOT / "case_studies").glob("[!_]*.yml"):
        for key in _keys_in(yaml.safe_load(path.read_text(encoding="utf-8"))):
            cited.setdefault(key, set()).add(path.stem)
    return cited


def bib_titles() -> dict[str, str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    titles = {}
    for match in re.finditer(r"@\w+\{([^,\s]+),(.*?)\n\}", text, re.S):
        title = re.search(r"\btitle\s*=\s*\{(.*)\},?\s*$", match.group(2), re.M)
        if title:
            titles[match.group(1)] = title.group(1)
    return titles


def normalise(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower().replace("\\", "")).strip()


def hee_key_publication_titles() -> list[str]:
    """Titles of the works the HEE brief lists under Key publications, Case Studies and Journal articles."""
    text = HEE_BRIEF.read_text(encoding="utf-8")
    titles = []
    for section in HEE_SECTIONS:
        start = text.index(f"\n{section}\n", text.index("Understanding the jargon\n\nAnchor"))
        end = min(i for i in (text.find(f"\n{s}\n", start + 1) for s in (*HEE_SECTIONS, "HEE Star", "Help accessing articles or papers")) if i > start)
        body = re.sub(r"\]\(#\)\s*\n\s*\n\s*\[", " ", text[start:end])  # a title broken over two links
        # drop emphasis and escapes, and a trailing remark in brackets such as a programme's name
        titles += [re.sub(r"\s*\([^)]*\)$", "", re.sub(r"[*\\]", "", t)).strip() for t in re.findall(r"\[([^\]]+)\]\(#\)", body)]
    return titles


@pytest.fixture(scope="module")
def reading_html(built_book: Path) -> BeautifulSoup:
    return soup(built_book / "chapters" / "reading-list.html")


def test_reading_list_has_every_hee_key_publication(reading_html):
    if not HEE_BRIEF.exists():
        pytest.skip(f"the HEE brief's text is not at {HEE_BRIEF}")
    titles = bib_titles()
    by_title = {normalise(t): key for key, t in titles.items()}
    wanted = hee_key_publication_titles()
    assert len(wanted) >= 35, "the brief's three sections were found"
    for title in wanted:
        match = difflib.get_close_matches(normalise(title), list(by_title), n=1, cutoff=0.85)
        assert match, f"{title!r} from the HEE brief has no entry in references.bib"
        key = by_title[match[0]]
        assert reading_html.find(id=work_anchor(key)) is not None, f"{key} ({title}) is missing from the reading list"


def test_every_listed_work_sits_under_a_defined_topic(reading_html):
    data = yaml.safe_load((ROOT / "data" / "reading-list.yml").read_text(encoding="utf-8"))
    titles = {t["title"] for t in data["topics"]}
    entries = reading_html.select(".reading-citation")
    assert len(entries) >= len(data["works"])
    for entry in entries:
        heading = entry.find_parent("section").find(["h2"])
        assert heading is not None and heading.get_text(strip=True).rstrip("#") in titles, entry.get("id")
    listed = {e["id"] for e in entries}
    assert {work_anchor(k) for k in data["works"]} <= listed


def test_each_work_links_to_exactly_the_case_studies_citing_it(reading_html):
    citing = cases_citing_from_yaml()
    data = yaml.safe_load((ROOT / "data" / "reading-list.yml").read_text(encoding="utf-8"))
    most_cited = {k for k, cases in citing.items() if len(cases) >= data["most_cited_min"]}
    keys = set(data["works"]) | most_cited
    assert most_cited, "some work is cited by several case studies"
    for key in keys:
        item = reading_html.find(id=work_anchor(key)).find_parent("li")
        linked = {Path(a["href"].split("#")[0]).stem for a in item.find_all("a", href=True) if "/cases/" in a["href"]}
        assert linked == citing.get(key, set()), key


def test_reading_list_names_the_chapters_citing_a_work(reading_html, built_book):
    item = reading_html.find(id=work_anchor("ham2015placebased")).find_parent("li")
    chapter_links = {a["href"].split("#")[0] for a in item.find_all("a", href=True) if "/cases/" not in a["href"] and "bibliography" not in a["href"]}
    assert "introduction.html" in chapter_links  # the introduction cites it with {cite:p}


@pytest.fixture
def small_kb(tmp_path):
    for name in ("data", "chapters"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "case_studies").mkdir()
    shutil.copy(FIXTURES / "sample-case.yml", tmp_path / "case_studies")
    return tmp_path


def test_a_work_cited_by_enough_new_records_joins_the_list(small_kb):
    record = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    for n in (1, 2):
        record.update(id=f"new-case-{n}", sources=[{"key": "ashton2003hospital", "locator": "p. 1"}])
        (small_kb / "case_studies" / f"new-case-{n}.yml").write_text(yaml.safe_dump(record))
    kb = load_knowledge_base(small_kb)
    assert kb.ok, kb.problems
    page = reading_list_page(kb, chapter_citations(small_kb))
    entry = page[page.index(f"#{work_anchor('ashton2003hospital')}") :].split("\n- ", 1)[0]
    assert "{case}`new-case-1`, {case}`new-case-2`" in entry
    assert page.index("Other works the case studies draw on most") < page.index(work_anchor("ashton2003hospital"))


def test_unknown_key_or_topic_in_the_reading_list_is_reported_with_line_and_fix(small_kb):
    path = small_kb / "data" / "reading-list.yml"
    text = path.read_text()
    path.write_text(text + "  nosuchwork2020: policy-and-strategy\n  ham2008health: no-such-topic\n")
    line_count = len(text.splitlines())
    problems = [p for p in load_knowledge_base(small_kb).problems if p.file == "data/reading-list.yml"]
    by_field = {p.field: p for p in problems}
    assert by_field["works.nosuchwork2020"].line == line_count + 1
    assert "references.bib" in by_field["works.nosuchwork2020"].fix
    assert by_field["works.ham2008health"].line == line_count + 2
    assert "topic" in by_field["works.ham2008health"].fix


def test_glossary_shows_every_term_every_definition_and_disagreement(built_book):
    page = soup(built_book / "chapters" / "glossary.html")
    for link in page.select("dl.glossary dt a.headerlink"):
        link.decompose()
    quotes = str.maketrans("‘’“”", "''\"\"")  # Sphinx typesets straight quotes as curly ones
    terms = {dt.get_text(" ", strip=True).translate(quotes): dt for dt in page.select("dl.glossary dt")}
    for path in sorted((ROOT / "data" / "glossary").glob("*.yml")):
        term = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert term["term"] in terms, term["term"]
        body = terms[term["term"]].find_next_sibling("dd")
        text = " ".join(body.get_text(" ", strip=True).split()).translate(quotes)
        citations = [a for a in body.find_all("a", href=True) if "bibliography" in a["href"]]
        assert len(citations) == len(term["definitions"]), term["id"]
        for definition in term["definitions"]:
            locator = " ".join(definition["source"]["locator"].split()).translate(quotes)
            assert locator in text, (term["id"], locator)
            if definition.get("as_of"):
                assert f"as of {definition['as_of']}" in text
        assert (body.select_one(".glossary-disagreement") is not None) == bool(term.get("disagreement")), term["id"]


def test_term_links_in_chapters_reach_glossary_entries(built_book):
    glossary_ids = {tag["id"] for tag in soup(built_book / "chapters" / "glossary.html").select("dt[id]")}
    for chapter in ("introduction", "summary"):
        links = [a["href"] for a in soup(built_book / "chapters" / f"{chapter}.html").select("article a[href*='glossary.html#term-']")]
        assert links, f"{chapter} links glossary terms"
        assert all(href.split("#")[1] in glossary_ids for href in links)


def test_every_claim_in_the_summary_links_a_case_study(built_book):
    article = soup(built_book / "chapters" / "summary.html").select_one("article")
    assert not article.select(".unknown-case")
    # Claims are the paragraphs under the chapter's sections; the lead paragraph above them says what
    # the chapter is. A link to the catalogue does not count: a claim names its case studies.
    # The headline cards are not claims: each card opens the comparison view of its outcomes (test_headline.py).
    # Nor is the line under them naming the domains without a measured result: a gap has no case study to name.
    claims = [
        p
        for p in article.select("section section p")
        if not p.find_parent(class_=["admonition", "kb-headline-cards"]) and "kb-headlines-gaps" not in p.get("class", [])
    ]
    assert len(claims) >= 8
    def case_links(tag):
        return [a for a in tag.select("a[href*='cases/']") if not a["href"].split("#")[0].endswith("cases/index.html")]

    for p in claims:
        # A claim ending in a colon may give its evidence in the list right after it.
        evidence = p.find_next_sibling() if p.get_text(strip=True).endswith(":") else None
        assert case_links(p) or (evidence is not None and evidence.name == "ul" and case_links(evidence)), p.get_text(" ", strip=True)[:120]


def test_numbers_in_the_introduction_and_summary_are_computed(built_book):
    records = list((ROOT / "case_studies").glob("[!_]*.yml"))
    for chapter in ("introduction", "summary"):
        source = (ROOT / "chapters" / f"{chapter}.md").read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```", "", source, flags=re.S)
        assert not re.findall(r"(?<![\w`-])\d{2,}(?![\w`])", prose), f"{chapter}: a number is typed in the text"
    summary = soup(built_book / "chapters" / "summary.html").select_one("article").get_text(" ", strip=True)
    assert f"the {len(records)} case studies" in summary
