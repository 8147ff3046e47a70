"""Contributing, walked as a newcomer would: start a record, fill it, validate, tidy, build, find it.

Also: `make fix` keeps every value of every real record and is idempotent; the files derived for
contributors (issue form, CONTRIBUTING.md sections) are current; `changed-pages` lists what a change
touches; and every message the validator can print is exercised by some test.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.schema import ID_MAX_LENGTH, ID_PATTERN, CaseStudy, Evidence, Place
from evidencebook.records.vocabularies import load_vocabularies
from evidencebook.records.yamlsafe import load_yaml_bytes
from evidencebook.tools.derive import CONTRIBUTING, ISSUE_FORM, derived_files, fill_sections
from evidencebook.tools.fix import SCHEMA_LINE, canonical_file, dump_canonical
from evidencebook.tools.scaffold import ScaffoldError, id_from_title, scaffold

from .conftest import FIXTURES, ROOT, knowledge_root, make_book, run_build

REAL_RECORDS = sorted(p for p in (ROOT / "case_studies").glob("*.yml") if not p.name.startswith("_"))


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(root), *args], capture_output=True, text=True
    )


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A minimal book root (data, references, the derived files) holding only the sample record."""
    return knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"], templates=True)


def fill_in(path: Path) -> dict:
    """What a contributor types into a scaffolded record, written the way a person might (not canonical)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(
        model=["alliance", "pooled-budget"],
        themes=["social-prescribing"],
        summary="Link workers in Testborough's practices referred people to community groups.\n\nThe council and the CCG paid for it jointly.\n",
        outcomes=[
            {
                "metric": "GP appointments of people referred",
                "value": 12.5,
                "unit": "percent",
                "direction": "decrease",
                "kind": "measured",
                "domain": "primary-and-community-care-use",
                "comparison": "the year before referral",
                "period": "2016/17",
            }
        ],
        evidence={
            "type": "before-and-after",
            "appraisal": "A fall against the year before, with no comparison group.",
        },
        sources=[{"key": "phc2016getwellsoon", "locator": "Case study 12, p. 40"}],
        period={"start": 2015, "end": None},
    )
    # Hand-typed: keys in another order, four-space indentation, every string quoted.
    path.write_text(
        yaml.safe_dump(dict(reversed(list(data.items()))), indent=4, default_style='"', allow_unicode=True),
        encoding="utf-8",
    )
    return data


# --- the whole path -------------------------------------------------------------------------------


@pytest.mark.build
def test_a_newcomer_adds_a_case_study_and_finds_it_in_the_built_book(tmp_path: Path):
    book = make_book(tmp_path / "book")

    started = cli(
        book, "new", "Testborough social prescribing", "--place", "Testborough", "--region", "north-east"
    )
    assert started.returncode == 0, started.stderr
    record = book / "case_studies" / "testborough-social-prescribing.yml"
    assert record.exists() and "Wrote case_studies/testborough-social-prescribing.yml" in started.stdout
    for field in (
        "model:",
        "themes:",
        "summary:",
        "evidence.appraisal:",
        "evidence.type:",
        "sources[0].key:",
        "sources[0].locator:",
    ):
        assert field in started.stdout, f"the scaffolder says {field} is still to fill in"
    assert record.read_text().startswith(SCHEMA_LINE)

    unfinished = cli(book, "validate")
    assert unfinished.returncode == 1
    assert (
        "case_studies/testborough-social-prescribing.yml:" in unfinished.stdout
        and "model: is empty" in unfinished.stdout
    )

    data = fill_in(record)
    checked = cli(book, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Tip: run `make fix`" in checked.stdout and "testborough-social-prescribing.yml" in checked.stdout

    fixed = cli(book, "fix")
    assert fixed.returncode == 0 and "fixed case_studies/testborough-social-prescribing.yml" in fixed.stdout
    assert load_yaml_bytes(record.read_bytes()).data == data, "fix changed no value"
    assert "Tip:" not in cli(book, "validate").stdout

    built = run_build(book)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    html = book / "_build" / "html"
    page = (html / "cases" / "testborough-social-prescribing.html").read_text(encoding="utf-8")
    assert "Testborough social prescribing" in page and "GP appointments of people referred" in page
    # The catalogue: its own page, or the A-Z list pages it links to, link the new page.
    catalogue = [html / "cases" / "index.html", *sorted((html / "cases" / "list").glob("*.html"))]
    assert any(
        re.search(r'href="(\.\./)?testborough-social-prescribing\.html"', p.read_text(encoding="utf-8"))
        for p in catalogue
    )
    rows = list(csv.DictReader(io.StringIO((html / "data" / "case-studies.csv").read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["id"] == "testborough-social-prescribing")
    assert row["place"] == "Testborough" and row["url"].endswith("cases/testborough-social-prescribing.html")
    outcomes = list(csv.DictReader(io.StringIO((html / "data" / "outcomes.csv").read_text(encoding="utf-8"))))
    assert any(r["metric"] == "GP appointments of people referred" and r["value"] == "12.5" for r in outcomes)
    assert (html / "chapters" / "contributing.html").exists(), "the contributors' guide is a page of the book"


# --- the scaffolder -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Wigan Deal", "wigan-deal"),
        ("Wigan Deal: a new relationship (2011–)", "wigan-deal-a-new-relationship-2011"),
        ("Ça va: Health & Care's  Partnership", "ca-va-health-and-cares-partnership"),
        ("Sunderland — 'All Together Better'", "sunderland-all-together-better"),
        # Letters outside ASCII are spelled in ASCII, not dropped ("Łódź" once became "odz").
        ("Łódź", "lodz"),
        ("Saint-Étienne", "saint-etienne"),
        ("Ærø and Straße", "aero-and-strasse"),
        ("Москва", "moskva"),
        ("東京都", "dong-jing-du"),
        # Too long: cut after the last whole word that fits, with no word skipped.
        (
            "Sutton Uplift: an integrated primary care mental health service with a single point of access",
            "sutton-uplift-an-integrated-primary-care-mental-health-service-with-a-single",
        ),
    ],
)
def test_the_id_is_a_slug_of_the_title(title, slug):
    assert id_from_title(title) == slug


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_title_gives_a_valid_id_or_none(title):
    slug = id_from_title(title)
    assert slug == "" or (re.fullmatch(ID_PATTERN, slug) and len(slug) <= ID_MAX_LENGTH)


@pytest.mark.parametrize("title", ["👩‍⚕️ 🚑", "★ ✓ ☂"])
def test_a_title_with_nothing_to_spell_in_ascii_asks_for_an_id(book, title):
    with pytest.raises(ScaffoldError) as refused:
        scaffold(book, title, place="Testborough")
    assert "cannot make an id from" in str(refused.value) and "pass one with --id" in str(refused.value)
    assert sorted(p.name for p in (book / "case_studies").glob("[!_]*")) == ["sample-case.yml"], "nothing written"
    made = scaffold(book, title, place="Testborough", record_id="testborough-emoji")
    assert made.path.name == "testborough-emoji.yml" and made.record_id == "testborough-emoji"


@pytest.mark.parametrize("given_id", ["Wigan_Deal", "wigan--deal", "-wigan", "x" * (ID_MAX_LENGTH + 1)])
def test_an_id_given_with_id_must_be_an_id(book, given_id):
    with pytest.raises(ScaffoldError, match="--id: .* is not an id"):
        scaffold(book, "Wigan Deal", place="Wigan", record_id=given_id)
    assert not (book / "case_studies" / "wigan-deal.yml").exists()


def test_the_scaffolder_never_overwrites_and_says_what_to_do(book):
    existing = book / "case_studies" / "sample-case.yml"
    before = existing.read_bytes()
    result = cli(book, "new", "Sample case", "--place", "Sampletown")
    assert result.returncode == 2 and existing.read_bytes() == before
    assert (
        "already exists, and is never overwritten" in result.stderr
        and "--id sample-case-sampletown" in result.stderr
    )
    assert cli(book, "new", "Sample case", "--place", "Sampletown", "--id", "sample-case-two").returncode == 0
    assert (book / "case_studies" / "sample-case-two.yml").exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["X", "--place", "Y", "--country", "englnd"],
            "--country: 'englnd' is not in the countries vocabulary — did you mean 'england'?",
        ),
        (
            ["X", "--place", "Y", "--region", "north west"],
            "--region: 'north west' is not in the regions vocabulary — did you mean 'north-west'?",
        ),
        (["X", "--place", "Y", "--level", "town"], "--level: 'town' is not in the levels vocabulary"),
        (["X"], "the place is missing — add --place"),
        (["", "--place", "Y"], "the title is empty"),
        (
            ["X", "--from", "sample-cas"],
            "--from: there is no record 'sample-cas' — did you mean 'sample-case'?",
        ),
        (["!!!", "--place", "Y"], "cannot make an id from '!!!': it has no letters or digits"),
    ],
)
def test_the_scaffolder_refuses_bad_input_with_a_fix(book, args, expected):
    result = cli(book, "new", *args)
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert sorted(p.name for p in (book / "case_studies").glob("[!_]*")) == ["sample-case.yml"], (
        "nothing written"
    )


def test_from_keeps_the_shared_context_and_clears_what_belongs_to_the_original(book):
    original = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    result = cli(book, "new", "Sampletown falls service", "--from", "sample-case")
    assert result.returncode == 0, result.stderr
    new = yaml.safe_load((book / "case_studies" / "sampletown-falls-service.yml").read_text())
    assert new["id"] == "sampletown-falls-service" and new["title"] == "Sampletown falls service"
    for kept in ("place", "level", "model", "themes"):
        assert new[kept] == original[kept], kept
    assert new["evidence"] == {"type": original["evidence"]["type"], "appraisal": ""}
    assert new["sources"] == [{"key": s["key"], "locator": ""} for s in original["sources"]]
    assert (
        new["summary"] == "" and new["outcomes"] == [] and new["organisations"] == [] and new["related"] == []
    )
    assert "sources[0].locator: is empty" in result.stdout and "summary: is empty" in result.stdout


def test_from_with_a_new_place_replaces_the_place(book):
    assert (
        cli(
            book, "new", "Elsewhere", "--from", "sample-case", "--place", "Elsewhere", "--country", "wales"
        ).returncode
        == 0
    )
    new = yaml.safe_load((book / "case_studies" / "elsewhere.yml").read_text())
    assert new["place"] == {"name": "Elsewhere", "country": "wales"}, "no English region is kept for Wales"


# --- make fix -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL_RECORDS, ids=lambda p: p.stem)
def test_fix_keeps_every_value_of_every_real_record_and_is_idempotent(path: Path):
    before = load_yaml_bytes(path.read_bytes())
    assert not before.problems
    once = canonical_file(path, path.name)
    assert once.text is not None and not once.problems
    after = load_yaml_bytes(once.text.encode("utf-8"))
    assert after.data == before.data and json.dumps(after.data, sort_keys=True) == json.dumps(
        before.data, sort_keys=True
    )
    assert dump_canonical(after.data) == once.text, "fixing a fixed record changes nothing"
    assert list(after.data) == [k for k in CaseStudy.model_fields if k in after.data], (
        "fields in schema order"
    )


def test_every_real_record_is_in_the_canonical_layout(root):
    result = cli(root, "fix", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


MESSY = (
    "\ufeff# my notes\r\n"
    "title:    'Sample town joint discharge team'   \r\n"
    'id: "sample-case"\r\n'
    'summary: "First paragraph.\\n\\nSecond paragraph.\\n"\r\n'
    "themes: [discharge-and-intermediate-care, 'integrated-health-and-social-care']\r\n"
    "model:\r\n"
    "- integrated-commissioning\r\n"
    "- pooled-budget\r\n"
    "level: place\r\n"
    "place: {country: england, name: Sampletown, region: north-west}\r\n"
    "period:\r\n"
    "        end: 2016\r\n"
    "        start: 2014\r\n"
    "sources:\r\n"
    "    -   locator: 'Case study 99, p. 1'\r\n"
    "        key: phc2016getwellsoon\r\n"
    'evidence: {appraisal: "Figures compare with the previous year: no comparison group.", type: before-and-after}\r\n'
    "outcomes:\r\n"
    "  - {metric: Delayed transfers, value: 15.0, unit: percent, kind: measured, domain: hospital-use, note: 'yes'}\r\n"
)

CANONICAL = """\
# yaml-language-server: $schema=_schema.json
id: sample-case
title: Sample town joint discharge team
place:
  name: Sampletown
  country: england
  region: north-west
level: place
period:
  start: 2014
  end: 2016
model:
  - integrated-commissioning
  - pooled-budget
themes:
  - discharge-and-intermediate-care
  - integrated-health-and-social-care
summary: |
  First paragraph.

  Second paragraph.
outcomes:
  - metric: Delayed transfers
    value: 15.0
    unit: percent
    kind: measured
    domain: hospital-use
    note: "yes"
evidence:
  type: before-and-after
  appraisal: "Figures compare with the previous year: no comparison group."
sources:
  - key: phc2016getwellsoon
    locator: Case study 99, p. 1
"""


def test_fix_writes_the_canonical_layout_and_reports_dropped_comments(book):
    path = book / "case_studies" / "sample-case.yml"
    path.write_bytes(MESSY.encode("utf-8"))
    before = load_yaml_bytes(path.read_bytes()).data
    check = cli(book, "fix", "--check")
    assert (
        check.returncode == 1
        and "sample-case.yml: not in the canonical layout — run `make fix`" in check.stdout
    )
    assert path.read_bytes() == MESSY.encode("utf-8"), "--check changes nothing"
    result = cli(book, "fix")
    assert (
        result.returncode == 0
        and "fixed case_studies/sample-case.yml (removed 1 comment line(s))" in result.stdout
    )
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert load_yaml_bytes(path.read_bytes()).data == before
    assert cli(book, "fix", "--check").returncode == 0
    assert "already in the canonical layout" in cli(book, "fix").stdout


def test_fix_refuses_a_file_it_cannot_parse_with_the_validators_message(book):
    path = book / "case_studies" / "sample-case.yml"
    broken = b"id: sample-case\ntitle: [unclosed\nlevel: place\n"
    path.write_bytes(broken)
    result = cli(book, "fix")
    assert result.returncode == 1 and path.read_bytes() == broken
    assert "case_studies/sample-case.yml:3: (file): is not valid YAML" in result.stderr
    assert "not rewritten — fix the problem(s) above by hand first" in result.stderr


printable = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Cf", "Zl", "Zp")) | st.just("\n"),
    max_size=60,
)
scalars = st.one_of(
    printable,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["title", "summary", "level", "note", "extra"]),
        st.one_of(
            scalars,
            st.lists(scalars, max_size=3),
            st.dictionaries(st.sampled_from(["name", "key", "x"]), scalars, max_size=3),
        ),
        min_size=1,
    )
)
@example({"title": "Y"})  # a one-letter yes/no: quoted, as the loader refuses it plain
@example({"note": "0o17"})  # a YAML 1.2 number, text in YAML 1.1: quoted
def test_the_canonical_text_reads_back_as_the_same_data(data):
    text = dump_canonical(data)  # raises if the text would read back differently
    assert load_yaml_bytes(text.encode("utf-8")).data == data
    assert all(
        line == line.rstrip() for line in text.splitlines() if not line.startswith(" ")
    ) or "\n" in str(data)


def test_validate_tips_make_fix_only_for_records_fix_can_mend(book):
    clean = cli(book, "fix")
    assert clean.returncode == 0
    assert "Tip:" not in cli(book, "validate").stdout
    path = book / "case_studies" / "sample-case.yml"
    path.write_text(path.read_text().replace("level: place", "level: place   "), encoding="utf-8")
    tipped = cli(book, "validate")
    assert tipped.returncode == 0, "layout alone never fails validation"
    assert (
        "Tip: run `make fix` to put 1 record in the canonical layout" in tipped.stdout
        and "sample-case.yml" in tipped.stdout
    )


# --- derived files for contributors ---------------------------------------------------------------


def test_contributing_and_issue_form_are_current(root):
    files = derived_files(root)
    for rel in (CONTRIBUTING, ISSUE_FORM):
        assert (root / rel).read_text(encoding="utf-8") == files[root / rel], (
            f"run `make derive` and commit {rel}"
        )


def test_contributing_holds_the_template_the_field_table_and_the_vocabulary_definitions(root):
    text = (root / CONTRIBUTING).read_text(encoding="utf-8")
    template = (root / "case_studies" / "_template.yml").read_text(encoding="utf-8")
    assert "```yaml\n" + template + "```" in text
    assert (root / "docs" / "record-fields.md").read_text(encoding="utf-8").strip() in text
    vocabularies = load_vocabularies(root / "data")
    for name in ("evidence_types", "outcome_kinds"):
        for term in vocabularies[name].terms:
            assert f"| `{term.id}` | {term.label} |" in text
    for heading in (
        "## Who can contribute what",
        "## Judging the evidence",
        "## Writing the summary",
        "## Citing a new source",
    ):
        assert heading in text
    assert "make book" in text and "make serve" in text


def test_a_lost_marker_is_named_by_derive(book):
    (book / CONTRIBUTING).write_text(
        "# Contributing\n\n<!-- derived:fields x -->\n<!-- /derived:fields -->\n", encoding="utf-8"
    )
    result = cli(book, "derive", "--check")
    assert (
        result.returncode == 1
        and "the markers for the derived section 'template' are missing" in result.stderr
    )
    with pytest.raises(ValueError, match="'judging'"):
        fill_sections(
            "<!-- derived:template x -->\n<!-- /derived:template -->", {"template": "t", "judging": "j"}
        )


def test_the_book_pages_include_all_of_contributing_and_are_in_the_navigation(root):
    """The guide is two pages of the book (the record's template and field table on their own): the
    include markers cut CONTRIBUTING.md into parts that, put back together, are the whole file."""
    guide = (root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    pages = {name: (root / "chapters" / f"{name}.md").read_text(encoding="utf-8") for name in ("contributing", "contributing/the-record")}
    cuts = [line.split(":", 2)[2].strip() for text in pages.values() for line in text.splitlines() if line.startswith((":start-after:", ":end-before:"))]
    assert len(cuts) == 4 and all(guide.count(cut) == 1 for cut in cuts), cuts
    end_of_first, start_of_rest, start_of_record, end_of_record = cuts
    first = guide[: guide.index(end_of_first)]
    record = guide[guide.index(start_of_record) + len(start_of_record) : guide.index(end_of_record)]
    rest = guide[guide.index(start_of_rest) + len(start_of_rest) :]
    headings = [line for line in guide.splitlines() if line.startswith("## ")]
    assert [h for h in headings if h in first + record + rest] == headings, "every section of the guide is on a page"
    assert "## Every field at a glance" in record and "## The record" in first and "## Judging the evidence" in rest
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    reference = next(part for part in toc["parts"] if part["caption"] == "Reference")
    assert reference["chapters"][-1] == {"file": "chapters/contributing", "sections": [{"file": "chapters/contributing/the-record"}]}


def test_the_issue_form_mirrors_the_required_fields_with_vocabulary_dropdowns(root):
    form = yaml.safe_load((root / ISSUE_FORM).read_text(encoding="utf-8"))
    elements = {e["id"]: e for e in form["body"] if "id" in e}
    assert len(elements) == len([e for e in form["body"] if "id" in e]), "ids are unique"
    labels = [e["attributes"]["label"] for e in form["body"] if "label" in e.get("attributes", {})]
    assert len(labels) == len(set(labels)), "labels are unique"
    required = [n for n, f in CaseStudy.model_fields.items() if f.is_required() and n != "id"]
    for name in required:
        if name == "place":
            expected = [f"place-{n}" for n, f in Place.model_fields.items() if f.is_required()]
        elif name == "evidence":
            expected = [f"evidence-{n}" for n, f in Evidence.model_fields.items() if f.is_required()]
        else:
            expected = [name]
        for field_id in expected:
            assert elements[field_id]["validations"]["required"] is True, field_id
    vocabularies = load_vocabularies(root / "data")
    for field_id, vocab, multiple in (
        ("level", "levels", False),
        ("themes", "themes", True),
        ("model", "models", True),
        ("evidence-type", "evidence_types", False),
        ("place-country", "countries", False),
    ):
        assert elements[field_id]["type"] == "dropdown"
        assert elements[field_id]["attributes"]["options"] == vocabularies[vocab].ids()
        assert elements[field_id]["attributes"]["multiple"] is multiple


def test_the_editor_schema_is_wired_to_the_records(root):
    settings_ = json.loads((root / ".vscode" / "settings.json").read_text())
    assert "case_studies/*.yml" in settings_["yaml.schemas"]["./case_studies/_schema.json"]
    assert (root / "case_studies" / "_schema.json").exists()


def test_pre_commit_runs_only_local_project_commands(root):
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    assert entries["validate-records"] == ".venv/bin/evidencebook validate"
    assert entries["records-layout"] == ".venv/bin/evidencebook fix --check"
    assert entries["derived-files"] == ".venv/bin/evidencebook derive --check"
    assert {"ruff-check", "ruff-format"} <= set(entries)
    for hook in hooks:
        assert hook["language"] == "system" and (root / hook["entry"].split()[0]).exists(), hook["id"]


# --- changed pages --------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_changed_pages_lists_added_changed_and_removed_pages_but_not_reformatting(book):
    shutil.copytree(ROOT / "chapters", book / "chapters")
    for name in ("second", "third"):
        data = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
        data["id"] = name
        (book / "case_studies" / f"{name}.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    git(book, "init", "-q")
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "base")
    (book / "case_studies" / "second.yml").write_text(
        (book / "case_studies" / "second.yml").read_text().replace("level: place", "level: neighbourhood")
    )
    (book / "case_studies" / "third.yml").unlink()
    shutil.copy(FIXTURES / "sample-case.yml", book / "case_studies" / "fourth.yml")
    assert cli(book, "fix", str(book / "case_studies" / "sample-case.yml")).returncode == 0
    (book / "chapters" / "contributing.md").write_text("changed\n")

    result = cli(book, "changed-pages", "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "added    cases/fourth.html  (case_studies/fourth.yml)" in lines
    assert "changed  cases/second.html  (case_studies/second.yml)" in lines
    assert "removed  cases/third.html  (case_studies/third.yml)" in lines
    assert "changed  chapters/contributing.html  (chapters/contributing.md)" in lines
    assert "changed  cases/index.html  (case_studies/)" in lines
    assert "reformatted (same page) case_studies/sample-case.yml" in lines
    assert not any("sample-case.html" in line for line in lines), "a reformatted record is the same page"

    markdown = cli(
        book,
        "changed-pages",
        "--base",
        "HEAD",
        "--format",
        "markdown",
        "--site-url",
        "https://example.org/book",
    ).stdout
    assert (
        "| added | [cases/fourth.html](https://example.org/book/cases/fourth.html) | `case_studies/fourth.yml` |"
        in markdown
    )
    assert "| removed | `cases/third.html` |" in markdown

    bad = cli(book, "changed-pages", "--base", "no-such-ref")
    assert bad.returncode == 2 and "cannot compare with 'no-such-ref'" in bad.stderr


# --- every message the validator can print is exercised ------------------------------------------

MESSAGE_MODULES = [f"records/{name}.py" for name in ("validate", "yamlsafe", "kb", "bib", "schema", "datacheck")]
# Calls that build a problem, and the position of the message among their arguments.
MESSAGE_ARGUMENT = {"Problem": 3, "YamlProblem": 2, "BibProblem": 2, "_fail": 1, "problem": 2}
WILD = "\x00"


def _texts(node: ast.AST) -> list[str]:
    """The texts an expression can produce, with WILD where a value is filled in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for part in node.values:
            pieces = [part.value] if isinstance(part, ast.Constant) else [WILD]
            out = [a + b for a in out for b in pieces]
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _texts(node.left) for b in _texts(node.right)]
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    return [WILD]


def message_templates() -> set[str]:
    """Every message the validator can print, read from its source: problem constructors, the tuples
    the *_problem(s) functions return or yield, the schema's own ValueErrors and the YAML syntax hints."""
    found: list[str] = []
    for module in MESSAGE_MODULES:
        path = ROOT / "scripts" / "evidencebook" / module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else None
                )
                at = MESSAGE_ARGUMENT.get(name)
                if (
                    at is not None
                    and len(node.args) > at
                    and not any(isinstance(a, ast.Starred) for a in node.args[: at + 1])
                ):
                    found += _texts(node.args[at])
                if name == "ValueError" and module.endswith("schema.py") and node.args:
                    found += [t.split(": ")[0] for t in _texts(node.args[0])]
            if isinstance(node, ast.FunctionDef) and (
                node.name.endswith(("_problem", "_problems")) or node.name == "_syntax_fix"
            ):
                for inner in ast.walk(node):
                    value = (
                        getattr(inner, "value", None) if isinstance(inner, (ast.Return, ast.Yield)) else None
                    )
                    if value is None:
                        continue
                    if node.name == "_syntax_fix":
                        found += _texts(value)
                    elif isinstance(value, ast.Tuple) and not any(
                        isinstance(e, ast.Starred) for e in value.elts
                    ):
                        if len(value.elts) in (2, 3):
                            found += _texts(value.elts[len(value.elts) - 2])
    # A template that is all filled-in values (e.g. pydantic's own message, passed through) has nothing to match.
    return {t for t in found if len(t.replace(WILD, "").strip()) >= 6}


def _pattern(template: str) -> re.Pattern:
    return re.compile(".+?".join(re.escape(part) for part in template.split(WILD)))


def _exercised(template: str, strings: list[str]) -> bool:
    """A test expects the whole message, or a fixed part of it (tests often check a fragment)."""
    chunks = [c for c in template.split(WILD) if len(c.strip()) >= 8]
    pattern = _pattern(template)
    for s in strings:
        if pattern.search(s) or any(c in s for c in chunks):
            return True
        # "file:line: field: message — fix": the message part, without what precedes it
        message = s.split(" — ")[0]
        tails = [message] + [message[i + 2 :] for i in range(len(message)) if message.startswith(": ", i)]
        if any(len(t) >= 12 and t in c for t in tails for c in chunks):
            return True
    return False


def _test_strings() -> list[str]:
    """Every string literal in the tests, and every message the hostile-input manifests expect
    (test_hostile*.py assert those)."""
    strings = []
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.append(node.value)
    for manifest in (ROOT / "tests").glob("hostile*/**/manifest.yml"):
        strings += list(_manifest_messages(yaml.safe_load(manifest.read_text(encoding="utf-8"))))
    return strings


def _manifest_messages(node):
    """Every `message` in a manifest, whatever its layout (cases grouped or not, one message or a list)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "message":
                yield from [value] if isinstance(value, str) else value
            else:
                yield from _manifest_messages(value)
    elif isinstance(node, list):
        for item in node:
            yield from _manifest_messages(item)


def test_every_validator_message_is_exercised_by_a_test():
    """Each message template must match an expected string in some test (and those tests run it)."""
    templates = message_templates()
    assert len(templates) > 40, "the enumeration found the validator's messages"
    strings = _test_strings()
    missing = sorted(t.replace(WILD, "{}") for t in templates if not _exercised(t, strings))
    assert missing == [], "add a test that makes the validator print each of these:\n" + "\n".join(missing)


SAMPLE = (FIXTURES / "sample-case.yml").read_text(encoding="utf-8")


def _sample(**changes) -> str:
    data = yaml.safe_load(SAMPLE)
    for dotted, value in changes.items():
        target = data
        *parts, last = dotted.split("__")
        for part in parts:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# Record files (name -> content) and the message each must produce; one knowledge-base load checks
# them all. test_validate.py covers the rest; together they exercise every message template above.
RECORD_CASES = {
    "long-title.yml": (
        _sample(id="long-title", title="x" * 301),
        "long-title.yml:2: title: is longer than 300 characters — shorten it",
    ),
    "early.yml": (
        _sample(id="early", period__start=1700),
        "period.start: 1700 is out of range — write a four-digit year between 1800 and 2100",
    ),
    "bool-value.yml": (
        _sample(id="bool-value", outcomes__0__value=True),
        "outcomes[0].value: should be a number, not yes/no",
    ),
    "bad-key.yml": (
        _sample(id="bad-key", sources=[{"key": "not a key", "locator": "p. 1"}]),
        "sources[0].key: 'not a key' is not a valid citation key — use the key exactly as it appears in references.bib",
    ),
    "no-low.yml": (
        _sample(id="no-low", outcomes__2__value_max=3.0),
        "outcomes[2]: value_max is given without value — give the lower end of the range in `value`",
    ),
    "merge.yml": (
        "a: &x {b: 1}\nc:\n  <<: *x\n",
        "c: uses a YAML merge key (<<) — write the fields out in full",
    ),
    "int-key.yml": ("1: one\n", "int-key.yml:1: (file): has a key that is not a field name ('1')"),
    "bad-int.yml": (
        "a: !!int x\n",
        "bad-int.yml:1: a: cannot be read: invalid literal for int() with base 10: 'x' — put the value in quotes",
    ),
    "mapping-colon.yml": (
        "title: x\n  bad: indent\n",
        "is not valid YAML: mapping values are not allowed in this context — put text that contains ': ' in quotes",
    ),
    "block-end.yml": (
        "title: x\n- y\n",
        "— check indentation and quoting on this line and the one before it",
    ),
    "sub.yml": (None, "sub.yml:1: (file): is a folder — records are files directly in case_studies/"),
    "nul.yml": (b"title: a\x00b\n", "nul.yml:1: (file): contains a NUL byte"),
    "bell.yml": ("title: a\x07b\n", "bell.yml:1: (file): contains the control character U+0007"),
    "utf16.yml": ("title: x\n".encode("utf-16"), "utf16.yml:1: (file): is saved as UTF-16"),
    "cyrillic.yml": (_sample(id="wig\u0430n"), "id: 'wig\u0430n' is not a valid id: it contains 'а' U+0430"),
    "spaced-url.yml": (
        _sample(id="spaced-url", links=[{"title": "Report", "url": "https://example.org/a report"}]),
        "links[0].url: 'https://example.org/a report' contains",
    ),
    "zero\u200bwidth.yml": (_sample(id="zero-width"), "(file): the file name"),
    "hidden.yml": (_sample(id="hidden", title="Sample\u202etown"), "title: contains"),
}


def test_each_record_message_is_printed_for_its_case(book):
    for name, (content, _) in RECORD_CASES.items():
        path = book / "case_studies" / name
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    problems = load_knowledge_base(book).problems
    for name, (_, expected) in RECORD_CASES.items():
        assert any(p.file == f"case_studies/{name}" and expected in str(p) for p in problems), (
            f"{name}: {expected}\n" + "\n".join(map(str, problems))
        )


def test_data_file_and_bibliography_messages(book):
    """Messages about the files records depend on: frameworks, glossary terms, references.bib."""
    frameworks = sorted((book / "data" / "frameworks").glob("*.yml"))
    copy = yaml.safe_load(frameworks[0].read_text(encoding="utf-8"))
    copy["id"] = "copy-of-first"
    (book / "data" / "frameworks" / "copy-of-first.yml").write_text(
        yaml.safe_dump(copy, sort_keys=False), encoding="utf-8"
    )
    (book / "data" / "glossary" / "listed.yml").write_text("- a\n- b\n", encoding="utf-8")
    term = yaml.safe_load(
        sorted((book / "data" / "glossary").glob("[!l]*.yml"))[0].read_text(encoding="utf-8")
    )
    term.update(id="odd-term", see_also=["Not An Id"])
    (book / "data" / "glossary" / "odd-term.yml").write_text(
        yaml.safe_dump(term, sort_keys=False), encoding="utf-8"
    )
    checklist = yaml.safe_load((book / "data" / "integration-checklist.yml").read_text(encoding="utf-8"))
    items = checklist["themes"][0]["areas"][0]["items"]
    items[1]["id"] = items[0]["id"]
    (book / "data" / "integration-checklist.yml").write_text(
        yaml.safe_dump(checklist, sort_keys=False), encoding="utf-8"
    )
    reading_path = book / "data" / "reading-list.yml"
    if reading_path.exists():
        reading = yaml.safe_load(reading_path.read_text(encoding="utf-8"))
        reading["works"][next(iter(reading["works"]))] = "no-such-topic"
        reading_path.write_text(yaml.safe_dump(reading, sort_keys=False), encoding="utf-8")
    bib = book / "references.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8")
        + "\n@article{nobody2020nothing, title={No journal, no author}, year={2020}}\n",
        encoding="utf-8",
    )
    printed = [str(p) for p in load_knowledge_base(book).problems]
    expected = [
        "' is also an item of data/frameworks/copy-of-first.yml — framework item ids are unique",
        "data/glossary/listed.yml:1: (file): holds a list, not a set of fields",
        "data/glossary/odd-term.yml:",
        "see_also[0]: 'Not An Id' does not have the expected form",
        "references.bib:",
        "nobody2020nothing: the entry cannot be formatted (",
        "data/integration-checklist.yml:",
        f"{items[0]['id']!r} is used twice in the checklist — ids of themes, areas and items are unique",
    ]
    if reading_path.exists():
        expected.append("'no-such-topic' is not a topic defined under `topics`")
    joined = "\n".join(printed)
    for fragment in expected:
        assert fragment in joined, f"{fragment}\n{joined}"


def test_file_level_messages_without_a_book(tmp_path, monkeypatch):
    from evidencebook.records.bib import load_bibliography
    from evidencebook.records.validate import _schema_problem
    from evidencebook.records.yamlsafe import load_yaml_file

    assert load_yaml_file(tmp_path / "gone.yml").problems[0].message == "is not a regular file"
    (tmp_path / "locked.yml").write_text("title: x\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(Path, "open", refuse)
        locked = load_yaml_file(tmp_path / "locked.yml").problems[0]
    assert (
        locked.message == "cannot be read (Permission denied)"
        and "check the file exists and is readable" in locked.fix
    )
    assert load_bibliography(tmp_path / "references.bib").problems[0].message == "references.bib is missing"
    (tmp_path / "broken.bib").write_text("@misc{a, title={x}}\n", encoding="utf-8")
    with monkeypatch.context() as patch:  # pybtex's lenient mode rarely raises; when it does, it is reported
        patch.setattr(
            "evidencebook.records.bib.parse_string", lambda *a: (_ for _ in ()).throw(ValueError("unbalanced braces"))
        )
        patch.setattr("evidencebook.records.bib._PARSED", {})  # parse afresh, not as remembered
        unparsed = load_bibliography(tmp_path / "broken.bib").problems
    assert [(p.message, p.fix) for p in unparsed] == [
        ("cannot be parsed: unbalanced braces", "check the entry's braces and commas")
    ]
    # No field of today's schema is true/false, but the message is ready for the first one that is.
    loc, message, fix = _schema_problem({"type": "bool_type", "loc": ("flag",), "input": "maybe", "msg": ""})
    assert (message, fix) == ("should be true or false, not 'maybe'", "write true or false")
