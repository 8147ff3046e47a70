"""Every validation rule reports its bad input, and no rule fires on good input.

CASES holds, for each rule in the registry (scripts/evidencebook/records/rules), a change to a small
valid book that breaks that rule and the text its report must contain. A rule registered without a
case here fails `test_every_rule_has_a_bad_input`, so no rule is added untested.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from evidencebook.records import datacheck, kb
from evidencebook.records.bib import load_bibliography
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.rules import REGISTRY, SCOPES, rules_table

from .conftest import FIXTURES, knowledge_root

DELETE = object()
Edit = Callable[[Path], None]


def edit(rel: str, to: str | None = None, **changes) -> Edit:
    """Change fields of a YAML file of the book (`a__0__b` is field b of the first item of a; DELETE
    removes the field; a callable value is computed from the file's data), writing it to `to` if given."""

    def apply(book: Path) -> None:
        data = yaml.safe_load((book / rel).read_text(encoding="utf-8"))
        for dotted, value in changes.items():
            *parts, last = dotted.split("__")
            target = data
            for part in parts:
                target = target[int(part)] if part.isdigit() else target[part]
            last_key = int(last) if last.isdigit() else last
            if value is DELETE:
                del target[last_key]
            else:
                target[last_key] = value(data) if callable(value) else value
        (book / (to or rel)).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return apply


def replace_text(rel: str, old: str, new: str) -> Edit:
    """Replace text in a file of the book (for files a YAML round trip would change, e.g. unquoted `n`)."""

    def apply(book: Path) -> None:
        text = (book / rel).read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {rel}"
        (book / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def move(rel: str, to: str) -> Edit:
    return lambda book: (book / rel).rename(book / to)


def write(rel: str, text: str) -> Edit:
    """Write a file of the book (its folder made if needed)."""

    def apply(book: Path) -> None:
        (book / rel).parent.mkdir(parents=True, exist_ok=True)
        (book / rel).write_text(text, encoding="utf-8")

    return apply


RECORD = "case_studies/sample-case.yml"
BROKEN_SCHEMA = {"title": DELETE}  # makes the record a draft: the rules with a draft check still run on it
GLOSSARY = "data/glossary/accountable-care-organisation.yml"
EDITION_PAGES = "data/editions/2026.12.0-pages.txt"


def first_term_id(data: dict) -> str:
    return data["terms"][0]["id"]


@dataclass(frozen=True)
class Case:
    rule: str
    bad: tuple[Edit, ...]
    expect: str  # text the rule's report contains
    draft: bool = False  # the bad record also fails the schema
    near_miss: tuple[Edit, ...] = ()  # good input close to the bad one, on which the rule stays quiet


CASES = [
    Case("file-name-is-an-id", (edit(RECORD, to="case_studies/Sample Case.yml"),), "(file): the file name 'Sample Case' is not a valid id"),
    Case("file-name-not-reserved", (edit(RECORD, to="case_studies/index.yml", id="index"),), "the id 'index' is the name of a page the book makes"),
    Case("id-matches-file-name", (edit(RECORD, id="other-case"),), "id: is 'other-case' but the file is sample-case.yml"),
    Case("id-matches-file-name", (edit(RECORD, id="other-case", **BROKEN_SCHEMA),), "id: is 'other-case' but the file is sample-case.yml", draft=True),
    Case("vocabulary-term-known", (edit(RECORD, level="plac"),), "level: 'plac' is not in the levels vocabulary"),
    Case("vocabulary-term-known", (edit(RECORD, outcomes__0__unit="pounds per year"),), "outcomes[0].unit: 'pounds' is not a known unit"),
    Case("vocabulary-term-known", (edit(RECORD, themes__0="social prescribing", **BROKEN_SCHEMA),), "themes[0]: 'social prescribing' is not in the themes vocabulary", draft=True),
    Case("no-repeated-entries", (edit(RECORD, organisations=["Sampletown Council", "Sampletown Council"]),), "organisations[1]: lists 'Sampletown Council' twice"),
    Case(
        "region-given-in-england",
        (edit(RECORD, place__region=DELETE),),
        "place.region: is missing for a case study in England",
        near_miss=(edit(RECORD, place__region=DELETE, place__country="scotland"),),
    ),
    Case("region-only-in-england", (edit(RECORD, place__country="scotland"),), "place.region: is given but the country is 'scotland'"),
    Case(
        "period-in-order",
        (edit(RECORD, period__start=2016, period__end=2014),),
        "period: starts (2016) after it ends (2014)",
        near_miss=(edit(RECORD, period__start=2015, period__end=2015),),
    ),
    Case(
        "measured-outcome-has-value",
        (edit(RECORD, outcomes__0__value=DELETE, outcomes__0__value_max=DELETE, outcomes__0__note="The source gives no number."),),
        "sample-case.yml:31: outcomes[0].kind: is measured but the outcome has no value — give the figure the source reports in `value`",
        near_miss=(edit(RECORD, outcomes__0__value=DELETE, outcomes__0__value_max=DELETE, outcomes__0__kind="reported-change", outcomes__0__note="No number."),),
    ),
    Case(
        "reported-change-has-no-value",
        (edit(RECORD, outcomes__0__kind="reported-change"),),
        "outcomes[0].kind: is reported-change but the outcome gives a value — a result with a figure is measured",
    ),
    Case("related-not-self", (edit(RECORD, related=["sample-case"]),), "related: lists the case study itself"),
    Case("citation-key-known", (edit(RECORD, outcomes__0__source__key="phc2016getwelsoon"),), "cites 'phc2016getwelsoon', which is not in references.bib — did you mean 'phc2016getwellsoon'?"),
    Case("citation-key-known", (edit(RECORD, sources__0__key="nosuchwork2099", **BROKEN_SCHEMA),), "sources[0].key: cites 'nosuchwork2099'", draft=True),
    Case("id-unique", (edit(RECORD, to="case_studies/sample-case.yaml"),), "case_studies/sample-case.yml:1: id: 'sample-case' is also used by case_studies/sample-case.yaml"),
    Case("related-id-known", (edit(RECORD, related=["sample-cases"]),), "related[0]: 'sample-cases' is not the id of any case study — did you mean 'sample-case'?"),
    Case("previous-id-not-own-id", (edit(RECORD, previous_ids=["sample-case"]),), "previous_ids[0]: lists the case study's own id — remove it"),
    Case("previous-id-not-reserved", (edit(RECORD, previous_ids=["outcomes"]),), "previous_ids[0]: 'outcomes' is the name of a page the book makes in cases/"),
    Case(
        "previous-id-not-a-current-id",
        (edit(RECORD, to="case_studies/other-case.yml", id="other-case"), edit(RECORD, previous_ids=["other-case"])),
        "sample-case.yml:58: previous_ids[0]: 'other-case' is the id of the case study in case_studies/other-case.yml, so its address cannot redirect here — remove 'other-case'",
        near_miss=(edit(RECORD, to="case_studies/other-case.yml", id="other-case"), edit(RECORD, previous_ids=["sample-case-old"])),
    ),
    Case(  # a record that fails the schema is still checked against the others: one run reports everything
        "previous-id-not-a-current-id",
        (edit(RECORD, to="case_studies/other-case.yml", id="other-case"), edit(RECORD, previous_ids=["other-case"], **BROKEN_SCHEMA)),
        "previous_ids[0]: 'other-case' is the id of the case study in case_studies/other-case.yml",
        draft=True,
    ),
    Case(
        "previous-id-listed-once",
        (edit(RECORD, to="case_studies/other-case.yml", id="other-case", previous_ids=["sample-old"]), edit(RECORD, previous_ids=["sample-old"])),
        "sample-case.yml:58: previous_ids[0]: 'sample-old' is also a previous id of case_studies/other-case.yml",
        near_miss=(edit(RECORD, to="case_studies/other-case.yml", id="other-case", previous_ids=["other-old"]), edit(RECORD, previous_ids=["sample-old"])),
    ),
    Case(  # an edition published the sample under an older id, which no record keeps: its address would break
        "published-case-page-kept",
        (write(EDITION_PAGES, "cases/index.html\ncases/old-sample.html\ncases/outcomes/costs.html\ncases/sample-case.html\nindex.html\n"),),
        f"{EDITION_PAGES}:2: (line): cases/old-sample.html, published in this edition, is the page of the case study 'old-sample', "
        "which is no longer a record's id nor in any record's previous_ids, so the address would break — if it was renamed or merged, "
        "add 'old-sample' to previous_ids of the record that replaced it; a published case study is removed only on purpose",
        near_miss=(write(EDITION_PAGES, "cases/index.html\ncases/old-sample.html\ncases/sample-case.html\n"), edit(RECORD, previous_ids=["old-sample"])),
    ),
    Case(  # the record that replaced it fails the schema: its previous ids still count, and the rule stays quiet
        "published-case-page-kept",
        (write(EDITION_PAGES, "cases/gone-case.html\ncases/old-sample.html\n"), edit(RECORD, previous_ids=["old-sample"], **BROKEN_SCHEMA)),
        f"{EDITION_PAGES}:1: (line): cases/gone-case.html, published in this edition, is the page of the case study 'gone-case'",
        draft=True,
    ),
    Case("vocabulary-name-matches-file", (move("data/vocabularies/themes.yml", "data/vocabularies/topics.yml"),), "vocabulary: is 'themes' but the file is topics.yml"),
    Case("term-id-form", (edit("data/vocabularies/themes.yml", terms__0__id="Discharge"),), "terms[0].id: 'Discharge' is not a valid term id"),
    Case("unit-id-form", (replace_text("data/vocabularies/units.yml", "{id: percent,", "{id: per-cent,"),), "terms[0].id: 'per-cent' is not a unit id"),
    Case("unit-id-form", (replace_text("data/vocabularies/units.yml", "{id: GBP,", "{id: GBP per year,"),), "terms[2].id: 'GBP per year' contains 'per'"),
    Case("term-id-unique", (edit("data/vocabularies/themes.yml", terms__1__id=first_term_id),), "terms[1].id:"),
    Case("term-rank-unique", (edit("data/vocabularies/evidence_types.yml", terms__1__rank=1),), "terms[1].rank: 1 is also the rank of"),
    Case("evidence-type-ranked", (edit("data/vocabularies/evidence_types.yml", terms__2__rank=None),), "terms[2].rank: is missing: evidence types are ordered strongest first"),
    Case("data-id-matches-file-name", (edit("data/frameworks/gws-shifts.yml", id="gws-shift"),), "id: is 'gws-shift' but the file is gws-shifts.yml"),
    Case(
        "data-vocabulary-term-known",
        (edit("data/frameworks/gws-shifts.yml", items__0__factors=["evaluaton"]),),
        "items[0].factors[0]: 'evaluaton' is not in the factors vocabulary — did you mean 'evaluation'?",
        near_miss=(edit("data/frameworks/gws-shifts.yml", items__0__factors=["evaluation"]),),
    ),
    Case(
        "data-vocabulary-term-known",
        (edit("data/integration-checklist.yml", themes__0__areas__0__items__0__factors=["shared-purpose", "shared-vison"]),),
        "themes[0].areas[0].items[0].factors[1]: 'shared-vison' is not in the factors vocabulary — did you mean 'shared-purpose'?",
        near_miss=(edit("data/integration-checklist.yml", themes__0__areas__0__items__0__factors=["shared-purpose"]),),
    ),
    Case("data-citation-key-known", (edit(GLOSSARY, definitions__0__source__key="nosuchwork2099"),), "definitions[0].source.key: cites 'nosuchwork2099'"),
    Case(
        "framework-item-id-unique",
        (edit("data/frameworks/gws-enablers.yml", items__0__id="gws-shift-people-and-places"),),
        "gws-shifts.yml:12: items[0].id: 'gws-shift-people-and-places' is also an item of data/frameworks/gws-enablers.yml",
    ),
    Case("glossary-term-unique", (edit(GLOSSARY, to="data/glossary/aco.yml", id="aco", term="ACCOUNTABLE care organisation"),), "term: 'ACCOUNTABLE care organisation' is also the term of"),
    Case("glossary-see-also-known", (edit(GLOSSARY, see_also=["accountable-care-systems"]),), "see_also[0]: 'accountable-care-systems' is not the id of any glossary term — did you mean 'accountable-care-system'?"),
    Case("checklist-framework-item-known", (edit("data/integration-checklist.yml", themes__0__areas__0__framework_items=["no-such-item"]),), "themes[0].areas[0].framework_items[0]: 'no-such-item' is not the id of any framework item"),
    Case("checklist-id-not-reserved", (edit("data/integration-checklist.yml", themes__0__id="area-so"),), "themes[0].id: 'area-so' starts with 'area-'"),
    Case("checklist-id-unique", (edit("data/integration-checklist.yml", themes__0__areas__0__items__1__id="so-transformation-1"),), "items[1].id: 'so-transformation-1' is used twice in the checklist"),
    Case("reading-list-topic-unique", (edit("data/reading-list.yml", topics__1__id="source-documents"),), "topics[1].id: the topic 'source-documents' is defined twice"),
    Case("reading-list-work-known", (edit("data/reading-list.yml", works__nosuchwork2099="source-documents"),), "works.nosuchwork2099: cites 'nosuchwork2099'"),
    Case("reading-list-topic-known", (edit("data/reading-list.yml", most_cited_topic="source-document"),), "most_cited_topic: 'source-document' is not a topic defined under `topics` — did you mean 'source-documents'?"),
]


@pytest.fixture(scope="module")
def bibliography(root):
    """references.bib parsed once: no case changes it, and parsing it takes seconds."""
    return load_bibliography(root / "references.bib")


@pytest.fixture
def quick_book(tmp_path: Path, monkeypatch, bibliography) -> Path:
    """A small valid book (the book's data, one sample record). The data package check, slow and no rule, is left out."""
    monkeypatch.setattr(datacheck, "data_package_problems", lambda root, bib=None: [])
    monkeypatch.setattr(kb, "load_bibliography", lambda path: bibliography)
    return knowledge_root(tmp_path / "book", [FIXTURES / "sample-case.yml"])


def fired(book: Path, edits: tuple[Edit, ...], rule: str) -> tuple[list[str], list[str]]:
    """(reports of `rule`, every other report) after making `edits` to the book."""
    for change in edits:
        change(book)
    problems = load_knowledge_base(book).problems
    return [str(p) for p in problems if p.rule == rule], [str(p) for p in problems if p.rule != rule]


@pytest.mark.parametrize("rule", REGISTRY, ids=lambda r: r.name)
def test_every_rule_has_a_bad_input(rule):
    cases = [case for case in CASES if case.rule == rule.name]
    assert cases, f"rule {rule.name!r} has no case of bad input in CASES (tests/test_rules.py)"
    if rule.check_draft is not None:
        assert any(case.draft for case in cases), f"rule {rule.name!r} also checks records that fail the schema: add a draft case"


def test_every_case_names_a_registered_rule():
    names = [r.name for r in REGISTRY]
    assert len(names) == len(set(names))
    assert [case.rule for case in CASES if case.rule not in names] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule + ("-draft" if c.draft else ""))
def test_rule_reports_its_bad_input(case, quick_book):
    reports, others = fired(quick_book, case.bad, case.rule)
    assert any(case.expect in report for report in reports), f"{case.rule} reported {reports}; others: {others}"
    schema_failed = any(p.startswith("case_studies/") and "title: is missing" in p for p in others)
    assert schema_failed == case.draft


def test_no_rule_fires_on_the_good_book(quick_book):
    assert load_knowledge_base(quick_book).problems == []


@pytest.mark.parametrize("case", [c for c in CASES if c.near_miss], ids=lambda c: c.rule)
def test_rule_is_quiet_on_a_near_miss(case, quick_book):
    reports, _ = fired(quick_book, case.near_miss, case.rule)
    assert reports == []


def test_rules_are_named_described_and_scoped():
    for rule in REGISTRY:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.scope in SCOPES
        assert rule.description.endswith(".") and "\n" not in rule.description and "|" not in rule.description


def test_rules_table_lists_every_rule_once_by_scope():
    table = rules_table()
    for rule in REGISTRY:
        assert table.count(f"| `{rule.name}` | {SCOPES[rule.scope]} | {rule.description}") == 1


def test_the_rule_documentation_is_derived_from_the_registry(root):
    assert (root / "docs" / "validation-rules.md").read_text(encoding="utf-8").count(rules_table()) == 1
