"""The hostile-input corpus (tests/hostile/, described by its manifest.yml).

Every broken or hostile record is either refused, with a message naming its file and field, or
accepted and published inert. The whole corpus goes through the validator at once (no build); one
throwaway build of the accepted records checks the published HTML and exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from evidencebook.publish.text import shown_text
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.schema import CaseStudy

from .conftest import ROOT, make_book, run_build

HOSTILE = Path(__file__).parent / "hostile"
MANIFEST = yaml.safe_load((HOSTILE / "manifest.yml").read_text(encoding="utf-8"))
REFUSED: dict[str, dict] = MANIFEST["refused"]
ACCEPTED: dict[str, dict] = MANIFEST["accepted"]


def corpus_bytes(name: str) -> bytes:
    raw = (HOSTILE / name).read_bytes()
    size = REFUSED.get(name, {}).get("pad_to")
    if size:  # an enormous file is made at test time rather than kept in the repository
        line = b"# " + b"padding " * 12 + b"\n"
        raw += line * ((size - len(raw)) // len(line) + 1)
    return raw


def written_name(name: str) -> str:
    """The name the file is given in the book: its own, or the hostile `write_as` name."""
    return REFUSED.get(name, {}).get("write_as", name)


def test_the_manifest_and_the_folder_agree():
    files = {p.name for p in HOSTILE.iterdir() if p.name != "manifest.yml"}
    assert files == set(REFUSED) | set(ACCEPTED)
    assert not set(REFUSED) & set(ACCEPTED)


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory):
    """The knowledge base of a book holding the whole corpus: one load, every file's problems."""
    book = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "data", book / "data")
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "case_studies").mkdir()
    for name in [*REFUSED, *ACCEPTED]:
        (book / "case_studies" / written_name(name)).write_bytes(corpus_bytes(name))
    return load_knowledge_base(book)


def problems_of(kb, name: str):
    return [p for p in kb.problems if p.file == f"case_studies/{name}"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_record_is_refused_naming_file_and_field(corpus_kb, name):
    spec = REFUSED[name]
    found = problems_of(corpus_kb, written_name(name))
    shown = "\n".join(map(str, found)) or "(no problem reported)"
    assert any(p.field == spec["field"] and spec["message"] in f"{p.message} — {p.fix}" for p in found), shown
    assert all(p.fix for p in found), "every message says how to fix it"
    assert written_name(name)[: -len(".yml")] not in corpus_kb.records
    if "max_problems" in spec:  # refused without being expanded
        assert len(found) <= spec["max_problems"], len(found)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_hostile_but_valid_record_is_accepted(corpus_kb, name):
    assert problems_of(corpus_kb, name) == []
    assert name[: -len(".yml")] in corpus_kb.records


def test_messages_show_invisible_characters_in_file_names_as_codes(corpus_kb):
    lines = [str(p) for p in problems_of(corpus_kb, "wigan\u202e-deal.yml")]
    assert lines and all("<U+202E>" in line and "\u202e" not in line for line in lines)


def test_a_symbolic_link_is_refused_without_being_followed(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    (tmp_path / "case_studies").mkdir()
    (tmp_path / "case_studies" / "linked-case.yml").symlink_to("/dev/zero")  # would never end if read
    found = [str(p) for p in load_knowledge_base(tmp_path).problems]
    assert any("case_studies/linked-case.yml:1: (file): is a symbolic link" in p for p in found), found


# --- one build of the accepted records ------------------------------------------------------------------


class PageScan(HTMLParser):
    """What a browser would run or follow on a page, and the text it would show."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str, str]] = []  # (src, inline body)
        self.handlers: list[tuple[str, str, str]] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        # The template's decorative icons (eb-icons.html) are the one inline SVG a case page may hold.
        template_icon = tag == "svg" and "eb-icon" in (named.get("class") or "").split() and named.get("aria-hidden") == "true"
        self.tags.add("template icon" if template_icon else tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value or ""))
            if name in self.URL_ATTRIBUTES and value:
                self.urls.append(value)
        if tag == "script":
            kind = (dict(attrs).get("type") or "").lower()
            # Only these types run; others (the theme's text/x-thebe-config) are data a browser ignores.
            if kind in ("", "text/javascript", "application/javascript", "module"):
                self.scripts.append((dict(attrs).get("src") or "", ""))
                self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
            src, body = self.scripts[-1]
            # The theme names the page in one inline script; ids are slugs, so the pattern cannot hide markup.
            self.scripts[-1] = (src, re.sub(r"pagename = '[a-z0-9/_.-]*';", "pagename = '';", body))

    def handle_data(self, data):
        if self._in_script:
            src, body = self.scripts[-1]
            self.scripts[-1] = (src, body + data)
        else:
            self.text.append(data)

    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def scan(path: Path) -> PageScan:
    parser = PageScan()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def live_scheme(url: str) -> str | None:
    """The scheme a browser would use for `url` if it is one that runs code or embeds a document."""
    cleaned = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    scheme = match.group(1) if match else None
    if scheme in ("javascript", "vbscript", "file") or (scheme == "data" and not cleaned.startswith("data:text/csv")):
        return scheme
    return None


def record_texts(record: CaseStudy) -> list[str]:
    """Every plain-text value of a record (not the Markdown summaries), as a reader should see it."""
    texts = [record.title, record.place.name, *record.organisations, record.evidence.appraisal]
    for outcome in record.outcomes:
        texts += [outcome.metric, outcome.comparison, outcome.period, outcome.note, (outcome.source.locator if outcome.source else None)]
    texts += [s.locator for s in record.sources]
    for example in record.examples:
        texts += [example.title, example.source.locator]
    texts += [link.title for link in record.links]
    return [shown_text(t) for t in texts if t]


@pytest.mark.build
def test_accepted_hostile_records_are_published_inert(tmp_path):
    book = make_book(tmp_path / "book", [HOSTILE / name for name in ACCEPTED])  # a small book: see SMALL_BOOK_PAGES
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    check_published_inert(book)

    # A second build from the same input, in a new process (new hash seed), publishes the same bytes.
    exports = book / "_build" / "html" / "data"
    first = {p.name: p.read_bytes() for p in sorted(exports.glob("*.*"))}
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    assert {p.name: p.read_bytes() for p in sorted(exports.glob("*.*"))} == first
    assert {"case-studies.json", "case-studies.csv", "outcomes.csv"} <= set(first)


def check_published_inert(book: Path) -> None:
    html = book / "_build" / "html"
    kb = load_knowledge_base(book)
    assert set(kb.records) == {name[: -len(".yml")] for name in ACCEPTED}

    # The theme's own scripts and handlers, from pages that hold no record text.
    baseline = [scan(html / name) for name in ("index.html", "search.html", "genindex.html")]
    known_scripts = {s for page in baseline for s in page.scripts}
    known_handlers = {h for page in baseline for h in page.handlers}
    pages = sorted(html.rglob("*.html"))
    for page in pages:
        found = scan(page)
        where = page.relative_to(html).as_posix()
        unknown = [s for s in found.scripts if s not in known_scripts and not (s[0] and not s[1] and "://" not in s[0] and "alert" not in s[0])]
        assert unknown == [], f"{where}: scripts that are not the theme's or the book's: {unknown}"
        assert [h for h in found.handlers if h not in known_handlers] == [], f"{where}: event handler attributes"
        assert [u for u in found.urls if live_scheme(u)] == [], f"{where}: javascript:, data: or file: URLs"
        assert not found.tags & {"iframe", "object", "embed", "svg" if "cases/" in where else "-", "textarea"}, where

    for case_id, record in kb.records.items():
        page = scan(html / "cases" / f"{case_id}.html")
        text = page.visible_text()
        for value in record_texts(record):
            assert value in text, f"{case_id}: {value!r} is not shown as text"
    injected = scan(html / "cases" / "accepted-html-injection.html").visible_text()
    assert '<script>alert("title")</script>' in injected and "onerror=alert(1)" in injected
    myst = scan(html / "cases" / "accepted-myst-injection.html").visible_text()
    assert "{raw}`<script>alert(1)</script>`" in myst and "{{ title }}" in myst and "$x^2$" in myst
    assert "<script>alert('directive')</script>" in myst, "a directive in a summary is shown, not run"
    links = scan(html / "cases" / "accepted-link-injection.html")
    assert "https://example.org/good" in links.urls
    assert not [u for u in links.urls if u.startswith("//") or "_static/x.js" in u], "only http(s) links in summaries are live"
    for case_id, record in kb.records.items():
        shown = scan(html / "cases" / f"{case_id}.html").urls
        assert all(link.url in shown for link in record.links), f"{case_id}: a link's address changed on the page"

    # The search page shows titles from the index with innerHTML: they must be escaped there.
    index = json.loads(re.match(r"Search\.setIndex\((.*)\)$", (html / "searchindex.js").read_text(encoding="utf-8"), re.S).group(1))
    titles = [*index["titles"], *index["alltitles"]]
    assert titles and [t for t in titles if "<" in t or ">" in t] == [], "search titles are escaped"

    exported = json.loads((html / "data" / "case-studies.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in exported["case_studies"]] == sorted(kb.records)
    by_id = {c["id"]: c for c in exported["case_studies"]}
    assert by_id["accepted-html-injection"]["title"] == kb.records["accepted-html-injection"].title, "JSON keeps text exactly"
    for name in ("case-studies.csv", "outcomes.csv"):
        for row in csv.reader(io.StringIO((html / "data" / name).read_text(encoding="utf-8"))):
            # Only a number (a negative value) may start with a formula character.
            assert [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-\d+(\.\d+)?(e[-+]\d+)?", cell)] == [], f"{name}: {row}"
    formula = next(csv.DictReader(io.StringIO((html / "data" / "case-studies.csv").read_text(encoding="utf-8"))))
    assert formula["id"] == "accepted-accented-places"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((html / "data" / "case-studies.csv").read_text(encoding="utf-8")))}
    assert rows["accepted-formula-injection"]["title"] == "'" + kb.records["accepted-formula-injection"].title
    assert rows["accepted-welsh-places"]["place"] == "Ynys Môn"
    # Welsh and accented names reach the catalogue's index and the A-Z list exactly as written.
    catalogue = json.loads((html / "data" / "catalogue-index.json").read_text(encoding="utf-8"))
    assert {r[0]: r[1] for r in catalogue["records"]} == {i: r.title for i, r in kb.records.items()}
    assert any(r[2].startswith("Ynys Môn") for r in catalogue["records"])
    listing = " ".join(scan(page).visible_text() for page in sorted((html / "cases" / "list").glob("*.html")))
    for case_id in ("accepted-welsh-places", "accepted-accented-places"):
        assert kb.records[case_id].title in listing and kb.records[case_id].place.name in listing
    numbers = [r for r in csv.DictReader(io.StringIO((html / "data" / "outcomes.csv").read_text(encoding="utf-8"))) if r["case_study_id"] == "accepted-extreme-numbers"]
    assert [float(r["value"]) for r in numbers] == [o.value for o in kb.records["accepted-extreme-numbers"].outcomes]


@pytest.mark.parametrize("raw", [b"a: " + b"[" * 120_000 + b"]" * 120_000, b"- " * 120_000 + b"x", b"a: " + b"{a: " * 60_000 + b"}" * 60_000])
def test_nesting_far_past_the_parsers_limits_is_refused_without_a_crash(raw):
    """libyaml's composer crashes the process (segmentation fault) past ~10,000 levels: never reach it."""
    from evidencebook.records.yamlsafe import load_yaml_bytes

    assert [p.message for p in load_yaml_bytes(raw).problems] == ["is nested more than 12 levels deep"]
