"""The caches that make rebuilds fast never hide a problem or serve a stale result."""

from __future__ import annotations

from pathlib import Path

import yaml

from evidencebook.records.kb import load_knowledge_base
from evidencebook.sphinx.build import read_stamp, site_digest
from evidencebook.tools.fix import not_canonical

from .conftest import FIXTURES, knowledge_root

SAMPLE = (FIXTURES / "sample-case.yml").read_text(encoding="utf-8")


def book_with_sample(tmp_path: Path) -> Path:
    book = knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    kb = load_knowledge_base(book)  # validates and fills the cache
    assert kb.ok and "sample-case" in kb.records
    assert (book / "_build" / ".evidencebook" / "valid-records.pickle").exists()
    return book


def test_an_edited_record_is_validated_again(tmp_path: Path):
    book = book_with_sample(tmp_path)
    record = book / "case_studies" / "sample-case.yml"
    record.write_text(SAMPLE.replace("level: place", "level: plaice"), encoding="utf-8")
    problems = [str(p) for p in load_knowledge_base(book).problems]
    assert any("sample-case.yml" in p and "level" in p for p in problems), problems
    record.write_text(SAMPLE, encoding="utf-8")
    assert load_knowledge_base(book).ok


def test_a_changed_vocabulary_revalidates_records_it_no_longer_allows(tmp_path: Path):
    book = book_with_sample(tmp_path)
    themes = book / "data" / "vocabularies" / "themes.yml"
    data = yaml.safe_load(themes.read_text(encoding="utf-8"))
    used = yaml.safe_load(SAMPLE)["themes"][0]
    data["terms"] = [t for t in data["terms"] if t["id"] != used]
    themes.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    problems = [str(p) for p in load_knowledge_base(book).problems]
    assert any("sample-case.yml" in p and used in p for p in problems), problems


def test_a_broken_references_file_is_reported_though_the_last_one_was_cached(tmp_path: Path):
    book = book_with_sample(tmp_path)
    bib = book / "references.bib"
    first = bib.read_text(encoding="utf-8").split("\n@", 2)[1]  # a whole entry, defined a second time
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@" + first, encoding="utf-8")
    problems = [str(p) for p in load_knowledge_base(book).problems]
    assert any(p.startswith("references.bib:") and "defined twice" in p for p in problems), problems


def test_the_layout_tip_follows_edits(tmp_path: Path):
    book = book_with_sample(tmp_path)
    record = book / "case_studies" / "sample-case.yml"
    before = not_canonical(book)
    record.write_text(SAMPLE.replace("\n", "   \n", 3), encoding="utf-8")  # trailing spaces: not canonical
    assert not_canonical(book) == ["case_studies/sample-case.yml"]
    record.write_text(SAMPLE, encoding="utf-8")
    assert not_canonical(book) == before


def test_an_edited_page_template_invalidates_what_was_written_with_it(tmp_path: Path, monkeypatch):
    """Case pages and chapter outputs are cached against the library's digest: an edit to a template in
    publish/templates/ (a breadcrumb, a table) must reach every page, like an edit to the code."""
    import shutil

    from evidencebook.records import filecache

    library = shutil.copytree(filecache.LIBRARY, tmp_path / "evidencebook", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(filecache, "LIBRARY", library)
    before = filecache.library_digest.__wrapped__()  # uncached: the real one is computed once per process
    template = library / "publish" / "templates" / "breadcrumb.html"
    template.write_text(template.read_text(encoding="utf-8").replace("Home", "Start"), encoding="utf-8")
    assert filecache.library_digest.__wrapped__() != before


def test_the_build_digest_sees_every_kind_of_input_but_not_generated_pages(tmp_path: Path):
    book = book_with_sample(tmp_path)
    (book / "chapters").mkdir()
    (book / "chapters" / "a.md").write_text("# A\n", encoding="utf-8")
    start = site_digest(book)
    (book / "cases").mkdir()
    (book / "cases" / "sample-case.md").write_text("generated\n", encoding="utf-8")
    (book / "chapters" / "glossary.md").write_text("generated\n", encoding="utf-8")
    assert site_digest(book) == start  # what the build writes is not an input
    for path, text in [
        ("chapters/a.md", "# A changed\n"),
        ("data/vocabularies/themes.yml", None),
        ("_config.yml", None),
    ]:
        target = book / path
        target.write_text(
            text if text is not None else target.read_text(encoding="utf-8") + "\n", encoding="utf-8"
        )
        changed = site_digest(book)
        assert changed != start, path
        start = changed
    assert read_stamp(book) == {}  # never built: no stamp, so `make book` builds


def test_a_valid_data_package_is_checked_once_and_a_broken_csv_is_reported_the_next_time(tmp_path: Path, monkeypatch):
    from evidencebook.records import datacheck

    book = book_with_sample(tmp_path)
    checks = []
    real = datacheck.data_package_problems
    monkeypatch.setattr(datacheck, "data_package_problems", lambda *a: checks.append(1) or real(*a))
    assert load_knowledge_base(book).ok and checks == []  # remembered from the first load
    csv = sorted((book / "data").rglob("*.csv"))[0]
    csv.write_text(csv.read_text(encoding="utf-8") + '"an unclosed quote\n', encoding="utf-8")
    problems = [str(p) for p in load_knowledge_base(book).problems]
    assert checks == [1] and any(csv.name in p for p in problems), problems
    assert not load_knowledge_base(book).ok and checks == [1, 1]  # a broken package is never remembered


def test_a_build_reads_each_input_once_but_sees_a_file_changed_meanwhile(tmp_path: Path, monkeypatch):
    from evidencebook.records import filecache
    from evidencebook.records.kb import digest_inputs

    book = book_with_sample(tmp_path)
    record = book / "case_studies" / "sample-case.yml"
    reads = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real_read(self))
    with filecache.digests_read_once():
        first = digest_inputs(book)
        assert digest_inputs(book) == first and reads.count("sample-case.yml") == 1
        record.write_text(SAMPLE + "# a comment added while the build runs\n", encoding="utf-8")
        assert digest_inputs(book) != first and reads.count("sample-case.yml") == 2
    assert digest_inputs(book) == digest_inputs(book) and reads.count("sample-case.yml") == 4  # outside: always read
