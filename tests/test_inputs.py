"""Declared chapter inputs: a chapter re-executes only when a file it reads changes, and reading an
input it did not declare fails instead of publishing figures that would go stale."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from evidencebook.records import inputs
from evidencebook.records.datasets import load_package
from evidencebook.records.inputs import (
    DeclaredKnowledgeBase,
    UndeclaredInput,
    chapter_digest,
    declare_chapter,
    declared_inputs,
    input_digests,
)
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT, knowledge_root, make_book, run_build

NOTEBOOK = "---\nkernelspec:\n  name: python3\n{}---\n\n# A chapter\n\n```{{code-cell}} ipython3\nx = 1\n```\n"


def test_every_chapter_notebook_declares_known_inputs():
    notebooks = [p for p in sorted((ROOT / "chapters").glob("*.md")) if "```{code-cell}" in p.read_text()]
    assert len(notebooks) >= 5
    for path in notebooks:
        names, problem = declared_inputs(path.read_text())
        assert problem is None and names, f"{path.name}: {problem}"


@pytest.mark.parametrize(
    "front, wanted",
    [
        ("evidencebook:\n  inputs: [records, datasets]\n", (["records", "datasets"], None)),
        ("", ([], "does not declare the chapter's inputs")),
        ("evidencebook:\n  inputs: records\n", ([], "is not a list of input names")),
        ("evidencebook:\n  inputs: [records, case_studies]\n", ([], "'case_studies' is not an input")),
    ],
)
def test_a_declaration_is_read_from_the_front_matter_and_mistakes_are_named(front, wanted):
    names, problem = declared_inputs(NOTEBOOK.format(front))
    assert names == wanted[0]
    assert (problem is None) if wanted[1] is None else (wanted[1] in problem)


def test_a_chapter_digest_follows_only_the_files_it_declares(tmp_path):
    knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    before = input_digests(tmp_path)
    record = tmp_path / "case_studies" / "sample-case.yml"
    record.write_text(record.read_text().replace("Sample town", "Sample city", 1))
    after = input_digests(tmp_path)
    assert chapter_digest(["datasets"], before) == chapter_digest(["datasets"], after)
    assert chapter_digest(["records", "datasets"], before) != chapter_digest(["records", "datasets"], after)


@pytest.fixture
def declared(monkeypatch):
    """Run as if in the kernel of a chapter (the declaration is reset afterwards)."""
    monkeypatch.setattr(inputs, "_DECLARED", None)
    return declare_chapter


def test_reading_an_undeclared_input_stops_the_chapter_with_what_to_declare(tmp_path, declared):
    knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    kb = DeclaredKnowledgeBase(load_knowledge_base(tmp_path))
    declared("chapters/survey", ["datasets"])
    load_package(tmp_path)  # declared: allowed
    with pytest.raises(UndeclaredInput, match=r"chapters/survey\.md reads the case studies.*add 'records'"):
        list(kb.records)
    declared("chapters/overview", ["records"])
    assert list(kb.records) == ["sample-case"] and kb.vocab("levels").label("place") == "Place"
    with pytest.raises(UndeclaredInput, match="add 'datasets'"):
        load_package(tmp_path)
    with pytest.raises(UndeclaredInput, match="add 'frameworks'"):
        kb.vocab("framework_items")
    with pytest.raises(UndeclaredInput, match="add 'glossary'"):
        len(kb.glossary)


def executed(book: Path) -> dict[str, set[str]]:
    """Chapter file name -> the hashes of the notebooks jupyter-cache executed for it."""
    from jupyter_cache import get_cache

    found = defaultdict(set)
    for record in get_cache(book / "_build" / ".jupyter_cache").list_cache_records():
        found[Path(record.uri).name].add(record.hashkey)
    return found


@pytest.mark.build
def test_the_first_of_two_passes_reads_the_case_pages_only_and_publishes_no_exports(tmp_path):
    """Sphinx re-reads every page with a globbed toctree when a page is added: a new record re-ran the
    chapters split into pages before its page could show (39.5 s at 10,116 records, 17.5 s without).
    The first pass keeps the case pages; the second reads the rest and publishes the exports."""
    from types import SimpleNamespace

    from evidencebook.sphinx.extension import on_build_finished, read_case_pages_first
    from evidencebook.sphinx.settings import DEFER_CHAPTERS

    docs = ["cases/a-case", "cases/list/a", "cases/outcomes/hospital-use", "chapters/overview", "chapters/overview/wales", "index"]
    first = SimpleNamespace(config={DEFER_CHAPTERS: True}, builder=SimpleNamespace(format="html"), outdir=str(tmp_path))
    read = list(docs)
    read_case_pages_first(first, None, read)
    assert read == ["cases/a-case", "cases/list/a", "cases/outcomes/hospital-use"]
    on_build_finished(first, None)  # would fail on this bare app if it tried to publish anything
    assert list(tmp_path.iterdir()) == []
    second = SimpleNamespace(config={DEFER_CHAPTERS: False})
    read = list(docs)
    read_case_pages_first(second, None, read)
    assert read == docs


def test_editing_a_record_re_executes_the_chapters_that_read_records_and_no_other(tmp_path):
    book = make_book(tmp_path / "book", chapters=["survey", "data-dictionary"])
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    first = executed(book)
    assert {"overview.md", "survey.md", "data-dictionary.md"} <= set(first)

    record = book / "case_studies" / "sample-case.yml"
    data = yaml.safe_load(record.read_text())
    data["outcomes"] = data["outcomes"][:1]
    time.sleep(1)  # Sphinx compares modification times
    record.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    again = executed(book)
    assert len(again["overview.md"]) == 2, "the overview counts the outcomes: executed again"
    assert again["survey.md"] == first["survey.md"] and again["data-dictionary.md"] == first["data-dictionary.md"]
    assert re.search(r"\b1 outcomes? from 1 case stud", (book / "_build" / "html" / "chapters" / "overview.html").read_text())

    survey = book / "chapters" / "survey.md"  # a chapter reading more than it declares fails the build
    survey.write_text(survey.read_text() + "\n```{code-cell} ipython3\nfrom evidencebook.chapters.tables import knowledge_base\nknowledge_base().records\n```\n")
    result = run_build(book)
    assert result.returncode != 0
    assert "chapters/survey.md reads the case studies" in result.stdout + result.stderr
