"""The validator: every kind of problem gets a message naming file, line, field and fix; nothing crashes."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml

from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root

SAMPLE = (FIXTURES / "sample-case.yml").read_text(encoding="utf-8")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A minimal book root: data, references and an empty case_studies folder."""
    return knowledge_root(tmp_path)


def problems(book: Path, files: dict[str, str | bytes]) -> list[str]:
    for name, content in files.items():
        path = book / "case_studies" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return [str(p) for p in load_knowledge_base(book).problems]


def sample(**changes) -> str:
    data = yaml.safe_load(SAMPLE)
    for dotted, value in changes.items():
        target = data
        *parts, last = dotted.split("__")
        for part in parts:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


DELETE = object()


def test_the_sample_record_is_valid(book):
    assert problems(book, {"sample-case.yml": SAMPLE}) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"title": DELETE}, "sample-case.yml:1: title: is missing — add `title:` (a descriptive title.)"),
        ({"level": "plac"}, "level: 'plac' is not in the levels vocabulary — did you mean 'place'?"),
        ({"themes": ["social prescribing"]}, "themes[0]: 'social prescribing' is not in the themes vocabulary — did you mean 'social-prescribing'?"),
        ({"model": ["pooled budgets"]}, "model[0]: 'pooled budgets' is not in the models vocabulary — did you mean 'pooled-budget'?"),
        ({"colour": "red"}, "colour: is not a known field — remove it or fix its name"),
        ({"summry": "x"}, "did you mean `summary`?"),
        ({"title": 2016}, "title: should be text, not a number — write text"),
        ({"period__start": "2014"}, "period.start: should be a whole number, not text"),
        ({"period__start": 2017}, "period: starts (2017) after it ends (2016) — swap start and end"),
        ({"outcomes__0__value": "15%"}, "outcomes[0].value: should be a plain number, not '15%' — write the number alone and put the unit in `unit`"),
        ({"outcomes__0__value": "1,200"}, "should be a plain number, not '1,200' — write the number without commas"),
        ({"outcomes__0__value_max": 5}, "outcomes[0]: the range is reversed (15.0 to 5.0) — put the smaller number in `value`"),
        ({"outcomes__0__unit": DELETE}, "outcomes[0]: a value needs a unit — add `unit`"),
        ({"outcomes__1__unit": "pounds per year"}, "outcomes[1].unit: 'pounds' is not a known unit — money needs its currency code: write 'GBP per year'"),
        ({"outcomes__1__unit": "£"}, "money needs its currency code: write 'GBP'"),
        ({"outcomes__2__note": DELETE}, "outcomes[2]: there is no value and no note — add the value, or a `note`"),
        ({"outcomes__0__kind": "measurd"}, "outcomes[0].kind: 'measurd' is not in the outcome_kinds vocabulary — did you mean 'measured'?"),
        ({"outcomes__0__qualifier": "roughly"}, "outcomes[0].qualifier: 'roughly' is not allowed — use one of"),
        ({"sources__0__key": "phc2016getwelsoon"}, "sources[0].key: cites 'phc2016getwelsoon', which is not in references.bib — did you mean 'phc2016getwellsoon'?"),
        ({"sources": []}, "sources: is empty — give at least 1"),
        ({"id": "other-case"}, "id: is 'other-case' but the file is sample-case.yml — make them the same"),
        ({"id": "Bad_ID"}, "id: 'Bad_ID' is not a valid id — use lowercase letters, digits and single hyphens"),
        ({"related": ["no-such-case"]}, "related[0]: 'no-such-case' is not the id of any case study"),
        ({"related": ["sample-case"]}, "related: lists the case study itself"),
        ({"place__region": DELETE}, "place.region: is missing for a case study in England — add the English region"),
        ({"place__country": "sweden"}, "place.region: is given but the country is 'sweden'"),
        ({"themes": ["social-prescribing", "social-prescribing"]}, "themes[1]: lists 'social-prescribing' twice"),
        ({"links": [{"title": "x", "url": "javascript:alert(1)"}]}, "links[0].url: 'javascript:alert(1)' is not an http(s) address"),
        ({"place": "Wigan"}, "place: should be a group of fields, not text — indent its fields under it"),
        ({"themes": "social-prescribing"}, "themes: should be a list, not text — write one `- item` per line"),
        ({"summary": ""}, "summary: is empty — fill it in"),
        ({"outcomes__0__value": 10**400}, "outcomes[0].value: is a number too large to store (401 digits) — check the figure"),
    ],
)
def test_each_schema_problem_has_its_message(book, changes, expected):
    found = problems(book, {"sample-case.yml": sample(**changes)})
    assert any(expected in p for p in found), "\n".join(found)
    assert all(p.startswith("case_studies/sample-case.yml:") for p in found)
    assert all(" — " in p for p in found), "every message says how to fix it"


def test_every_problem_in_every_file_is_reported_at_once(book):
    found = problems(
        book,
        {
            "sample-case.yml": sample(level="plac", colour="red"),
            "second.yml": sample(id="second", title=DELETE, themes=["nope"]),
        },
    )
    joined = "\n".join(found)
    for fragment in ("sample-case.yml:", "level:", "colour:", "second.yml:", "title: is missing", "themes[0]"):
        assert fragment in joined


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.yml", "", "empty.yml:1: (file): is empty"),
        ("comments.yml", "# only a comment\n", "comments.yml:1: (file): is empty"),
        ("list.yml", "- a\n- b\n", "list.yml:1: (file): holds a list, not a record"),
        ("scalar.yml", "just text\n", "scalar.yml:1: (file): holds text, not a record"),
        ("broken.yml", "title: [unclosed\nlevel: place\n", "broken.yml:2: (file): is not valid YAML: while parsing a flow sequence started on line 1,"),
        ("colon.yml", "title: a: b\n", "is not valid YAML"),
        ("tabs.yml", "title: x\nplace:\n\tname: y\n", "tabs.yml:3: (file): a tab character is used for indentation — indent with spaces"),
        ("dupes.yml", "id: dupes\nid: dupes\n", "dupes.yml:2: id: is given twice (first on line 1)"),
        ("alias.yml", "a: &x [1, 2]\nb: *x\n", "alias.yml:2: b: uses a YAML alias"),
        ("tagged.yml", "a: !!python/object:os.system x\n", "uses the YAML tag"),
        ("twodocs.yml", "a: 1\n---\nb: 2\n", "a record is one YAML document"),
        ("latin1.yml", "title: caf\xe9\n".encode("latin-1"), "latin1.yml:1: (file): is not valid UTF-8 (byte 0xe9, perhaps 'é' saved as Latin-1 or Windows-1252) — save the file with UTF-8 encoding"),
        ("notes.txt", "hello", "notes.txt:1: (file): is not a record (records end in .yml"),
    ],
)
def test_broken_files_are_refused_with_a_clear_message(book, name, content, expected):
    found = problems(book, {name: content})
    assert any(expected in p for p in found), "\n".join(found)


def test_a_billion_laughs_file_is_refused_quickly(book):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    found = problems(book, {"bomb.yml": "\n".join(lines) + "\n"})
    assert any("uses a YAML alias" in p for p in found)


def test_a_huge_file_is_refused(book):
    found = problems(book, {"huge.yml": "title: " + "x" * 300_000 + "\n"})
    assert any("more than the limit" in p for p in found)


def test_a_deeply_nested_file_is_refused(book):
    found = problems(book, {"deep.yml": "a: " + "[" * 40 + "]" * 40 + "\n"})
    assert any("nested more than" in p for p in found)


def test_same_id_in_yml_and_yaml_is_a_duplicate(book):
    found = problems(book, {"sample-case.yml": SAMPLE, "sample-case.yaml": SAMPLE})
    assert any("is also used by" in p for p in found)


def test_an_invalid_record_is_not_among_the_valid_ones(book):
    (book / "case_studies" / "sample-case.yml").write_text(SAMPLE)
    (book / "case_studies" / "second.yml").write_text(sample(id="second", level="plac"))
    kb = load_knowledge_base(book)
    assert list(kb.records) == ["sample-case"]


def test_duplicate_bibtex_keys_are_reported(book):
    bib = book / "references.bib"
    bib.write_text(bib.read_text() + "\n@misc{phc2016getwellsoon, title={Again}, year={2016}}\n")
    found = [str(p) for p in load_knowledge_base(book).problems]
    assert any(p.startswith("references.bib:") and "defined twice" in p for p in found)


def test_make_validate_exits_non_zero_and_lists_problems(book):
    (book / "case_studies" / "sample-case.yml").write_text(sample(level="plac"))
    result = subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(book), "validate"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "case_studies/sample-case.yml:" in result.stdout and "Traceback" not in result.stderr
    assert "1 problem in 1 file; 0 of 1 record valid." in result.stderr


def test_the_real_records_are_valid(root):
    kb = load_knowledge_base(root)
    assert kb.problems == []
    assert len(kb.records) == len(list((root / "case_studies").glob("[!_]*.yml")))


def test_a_bibtex_syntax_error_is_reported_with_its_line(book):
    bib = book / "references.bib"
    lines_before = bib.read_text().count("\n")
    bib.write_text(bib.read_text() + "\n@misc{broken2020x, title={Unclosed, year={2020}}\n")
    found = [str(p) for p in load_knowledge_base(book).problems]
    # The unclosed brace runs to the end of the file, where pybtex notices it.
    assert any(
        p.startswith(f"references.bib:{lines_before + 3}:") and "has a syntax error" in p and "premature end of file" in p
        for p in found
    ), found


def test_string_macros_are_refused_before_they_are_expanded(tmp_path):
    """Each macro ten copies of the one before: 10^8 characters (seconds and gigabytes) if pybtex expanded them.
    Measured in memory, not time: a busy machine makes any time limit flaky (it failed CI at load 28)."""
    from evidencebook.records.bib import parse_bibliography

    macros = ['@string{a0 = "xxxxxxxxxx"}'] + [f"@string{{a{i} = " + " # ".join([f"a{i - 1}"] * 10) + "}" for i in range(1, 8)]
    bib = tmp_path / "references.bib"
    bib.write_text("\n".join(macros) + "\n@misc{bomb2024, author = {Nobody, A.}, title = a7, year = {2024}}\n")
    tracemalloc.start()
    try:
        found = parse_bibliography(bib).problems
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"parsing took {peak / 1e6:.0f} MB: the macros were expanded"
    assert [p.line for p in found if "defines an @string macro" in p.message] == list(range(1, 9))
    assert any(p.key == "bomb2024" and "'a7' is read as an @string macro, which is not defined" in p.message for p in found)


def test_month_abbreviations_are_still_read_as_months(tmp_path):
    from evidencebook.records.bib import parse_bibliography

    bib = tmp_path / "references.bib"
    bib.write_text("@misc{note2024, author = {Nobody, A.}, title = {T}, year = {2024}, month = mar}\n")
    parsed = parse_bibliography(bib)
    assert parsed.problems == [] and parsed.data.entries["note2024"].fields["month"] == "March"


def test_a_bibtex_entry_pybtex_skips_is_reported(book, monkeypatch):
    import evidencebook.records.bib as bibmodule

    real_parse = bibmodule.parse_string

    def parse_dropping_one(text, fmt):
        data = real_parse(text, fmt)
        del data.entries["ham2015placebased"]
        return data

    monkeypatch.setattr(bibmodule, "parse_string", parse_dropping_one)
    monkeypatch.setattr(bibmodule, "_PARSED", {})  # parse this file afresh, not as remembered from another test
    found = [str(p) for p in load_knowledge_base(book).problems]
    assert any("ham2015placebased: the entry could not be read" in p for p in found), found


def test_make_validate_counts_one_valid_record_in_the_singular(book):
    (book / "case_studies" / "sample-case.yml").write_text(sample())
    result = subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(book), "validate"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 case study valid." in result.stdout.splitlines()
