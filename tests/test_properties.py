"""Property-based tests around the schema's edges: whatever a stranger writes, the validator answers
(a record or problems, never a crash), and a record it accepts renders, escapes and exports exactly."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import math
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markupsafe import escape
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from evidencebook.publish.export import export_texts
from evidencebook.publish.render import PageWriter
from evidencebook.publish.text import csv_text, md_escape, shown_text, summary_html
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.validate import validate_record_file
from evidencebook.records.yamlsafe import load_yaml_bytes

from .conftest import FIXTURES, ROOT

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BASE = yaml.safe_load((FIXTURES / "sample-case.yml").read_text(encoding="utf-8"))
# The book's own MyST parser, with the extensions _config.yml enables: escaped text must survive all of them.
MYST = create_md_parser(
    MdParserConfig(enable_extensions={"colon_fence", "fieldlist", "attrs_inline", "deflist", "dollarmath", "substitution"}), RendererHTML
)

MARKUP = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{raw}`<b>x</b>`", "```{raw} html", ":::{div}", "{{ sub }}",
    "$x$", "$$", "\\", "`", "*", "_", "[a](javascript:alert(1))", "<javascript:alert(1)>", "](data:text/html,x)", "|", "#",
    "&amp;", "&#x6A;", "<!--", "-->", "(target)=", "---", "- ", "1. ", "> ", "=", "+", "@", '"', "'", "\n", "\r\n", "\t", " ",
]
# Any character a UTF-8 file can hold, with markup fragments mixed in.
ANY_TEXT = st.lists(st.one_of(st.text(st.characters(codec="utf-8"), max_size=8), st.sampled_from(MARKUP)), max_size=12).map("".join)
# Text a valid record can hold: any character but controls, invisible formatting and separators.
VALID_TEXT = (
    st.lists(
        st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), max_size=8), st.sampled_from(MARKUP)),
        min_size=1, max_size=10,
    )
    .map("".join)
    .filter(lambda t: t.strip() and len(t.strip()) <= 300)
)
FINITE = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-(10**30), max_value=10**30))
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from([0, -0.0, 5e-324, 1.7976931348623157e308])
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ANY_TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(ANY_TEXT, inner, max_size=3)), max_leaves=8)
FIELD_PATHS = [
    ("title",), ("summary",), ("level",), ("themes",), ("themes", 0), ("model",), ("organisations",), ("organisations", 0),
    ("place",), ("place", "name"), ("place", "country"), ("place", "region"), ("period",), ("period", "start"), ("period", "end"),
    ("outcomes",), ("outcomes", 0), ("outcomes", 0, "value"), ("outcomes", 0, "value_max"), ("outcomes", 0, "unit"),
    ("outcomes", 0, "metric"), ("outcomes", 1, "scale"), ("outcomes", 2, "note"), ("evidence",), ("evidence", "appraisal"),
    ("sources",), ("sources", 0, "key"), ("sources", 0, "locator"), ("related",), ("links",), ("examples",), ("id",), ("extra",),
]


@pytest.fixture(scope="module")
def book():
    folder = Path(tempfile.mkdtemp(prefix="properties-"))
    shutil.copytree(ROOT / "data", folder / "data")
    shutil.copy(ROOT / "references.bib", folder / "references.bib")
    (folder / "case_studies").mkdir()
    shutil.copy(FIXTURES / "sample-case.yml", folder / "case_studies")
    kb = load_knowledge_base(folder)
    assert kb.ok, kb.problems
    yield Quiet(kb)
    shutil.rmtree(folder)


class Quiet:
    """The knowledge base, with a short repr for hypothesis's failure reports."""

    def __init__(self, kb):
        self.kb = kb

    def __getattr__(self, name):
        return getattr(self.kb, name)

    def __repr__(self) -> str:
        return "<the sample book>"


def validate(kb, data=None, raw: bytes | None = None):
    path = kb.root / "case_studies" / "sample-case.yml"
    path.write_bytes(raw if raw is not None else yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"))
    try:
        return validate_record_file(path, "case_studies/sample-case.yml", kb.vocabularies, kb.bibliography)
    finally:
        shutil.copy(FIXTURES / "sample-case.yml", path)


def set_path(data, path, value):
    target = data
    for part in path[:-1]:
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and isinstance(part, int) and part < len(target):
            target = target[part]
        else:
            return
    last = path[-1]
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(last, int) and last < len(target)):
        target[last] = value


def check_answer(result):
    """A record and no problem, or problems each naming the file, a line, a field and a fix."""
    if result.record is not None:
        assert result.problems == []
        return
    assert result.problems
    for problem in result.problems:
        assert problem.file == "case_studies/sample-case.yml" and problem.line >= 1 and problem.field and problem.fix
        assert " — " in str(problem)


# --- the validator never crashes --------------------------------------------------------------------------


@SETTINGS
@given(changes=st.lists(st.tuples(st.sampled_from(FIELD_PATHS), st.one_of(VALUES, st.just("<delete>"))), min_size=1, max_size=4))
def test_the_validator_answers_any_record(book, changes):
    data = copy.deepcopy(BASE)
    for path, value in changes:
        if value == "<delete>":
            parent = data
            for part in path[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else (parent[part] if isinstance(parent, list) and isinstance(part, int) and part < len(parent) else None)
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
        else:
            set_path(data, path, value)
    check_answer(validate(book, data))


@SETTINGS
@given(raw=st.one_of(st.binary(max_size=400), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_the_yaml_loader_answers_any_bytes(book, raw):
    loaded = load_yaml_bytes(raw)
    assert all(p.line >= 1 and p.fix for p in loaded.problems)
    check_answer(validate(book, raw=raw))


@pytest.mark.parametrize("written", [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1.0e+999"])
def test_values_that_are_not_finite_numbers_are_refused(book, written):
    raw = (FIXTURES / "sample-case.yml").read_text().replace("value: 15\n", f"value: {written}\n").encode()
    found = [str(p) for p in validate(book, raw=raw).problems]
    assert any("outcomes[0].value: is " in p and "which is not a number" in p for p in found), found


# --- valid records render and export exactly --------------------------------------------------------------

TEXT_FIELDS = [("title",), ("place", "name"), ("organisations", 0), ("evidence", "appraisal"), ("outcomes", 0, "metric"),
               ("outcomes", 0, "comparison"), ("outcomes", 2, "note"), ("sources", 0, "locator")]


@SETTINGS
@given(texts=st.lists(VALID_TEXT, min_size=len(TEXT_FIELDS), max_size=len(TEXT_FIELDS)), summary=VALID_TEXT,
       value=FINITE, spread=st.one_of(st.none(), st.floats(min_value=0, allow_infinity=False)))
def test_a_valid_record_renders_escapes_and_exports_exactly(book, texts, summary, value, spread):
    data = copy.deepcopy(BASE)
    data["organisations"] = ["x"]
    for path, text in zip(TEXT_FIELDS, texts, strict=True):
        set_path(data, path, text)
    data["summary"] = summary
    data["outcomes"][0]["value"] = value
    data["outcomes"][0]["value_max"] = None if spread is None or not math.isfinite(value + spread) else value + spread
    data["outcomes"][0] = {k: v for k, v in data["outcomes"][0].items() if v is not None}
    result = validate(book, data)
    check_answer(result)
    record = result.record
    assume(record is not None)
    kb = dataclasses.replace(book.kb, records={record.id: record})

    page = PageWriter(kb).case_page(record)
    assert page.count("\n# ") == 1, "record text never starts a heading"
    for path in TEXT_FIELDS:
        shown = record
        for part in path:
            shown = shown[part] if isinstance(part, int) else getattr(shown, part)
        if path[0] == "outcomes":  # the outcomes table is HTML from a template: the text, escaped for HTML
            assert str(escape(shown_text(shown))) in page
            continue
        escaped = md_escape(shown)
        assert escaped in page
        # Through the book's own parser, in a paragraph and in a table cell, the text comes back exactly.
        assert MYST.render("A " + escaped) == f"<p>A {escapeHtml(shown_text(shown))}</p>\n".replace("<p>A </p>", "<p>A</p>")
        cell = MYST.render(f"| h |\n|---|\n| {escaped} |")
        assert f"<td>{escapeHtml(shown_text(shown))}</td>" in cell
    assert_inert(summary_html(record.summary))

    texts_out = export_texts(kb)
    exported = json.loads(texts_out["case-studies.json"])["case_studies"][0]
    assert exported["title"] == record.title and exported["summary"] == record.summary
    assert exported["outcomes"][0].get("value") == record.outcomes[0].value
    assert exported["outcomes"][0].get("value_max") == record.outcomes[0].value_max
    row = next(csv.DictReader(io.StringIO(texts_out["case-studies.csv"])))
    assert is_export_of(row["title"], record.title) and is_export_of(row["place"], record.place.name)
    assert is_export_of(row["organisations"], "; ".join(record.organisations))
    outcome = next(csv.DictReader(io.StringIO(texts_out["outcomes.csv"])))
    assert float(outcome["value"]) == record.outcomes[0].value and math.isfinite(float(outcome["value"]))
    assert (outcome["value_max"] == "") == (record.outcomes[0].value_max is None)
    if record.outcomes[0].value_max is not None:
        assert float(outcome["value_max"]) == record.outcomes[0].value_max
    assert is_export_of(outcome["metric"], record.outcomes[0].metric)


def is_export_of(cell: str, value: str) -> bool:
    """The CSV cell is the record's text, neutralised only where it starts like a formula (compared
    forwards: a title that itself starts with "'=" reads the same as a neutralised "=")."""
    return cell == csv_text(value)


def assert_inert(html: str):
    assert "<script" not in html.lower() and "<img" not in html and "<iframe" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html), html
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://")), href


@SETTINGS
@given(markdown=ANY_TEXT)
def test_any_summary_markdown_renders_inert(markdown):
    assert_inert(summary_html(markdown))
