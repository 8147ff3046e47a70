"""Lessons: a case study's sourced statements of what helped, hindered or made it work, typed and
linked to factors (data/vocabularies/lesson_types.yml, factors.yml); framework items link to the same factors."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from evidencebook.publish.export import check_exports, export_texts, write_exports
from evidencebook.records import datacheck
from evidencebook.records import kb as kb_module
from evidencebook.records.bib import load_bibliography
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root

LESSON = {
    "statement": "The partners had worked together for years before they pooled their budget.",
    "type": "enabler",
    "factors": ["leadership-and-relationships", "pooled-budgets-and-payment"],
    "source": {"key": "phc2016getwellsoon", "locator": "Case study 99, p. 2"},
}


@pytest.fixture(scope="module")
def bibliography(root):
    return load_bibliography(root / "references.bib")


@pytest.fixture
def book(tmp_path, monkeypatch, bibliography):
    """A small valid book with the sample record; `write(**lesson changes)` gives the sample record lessons."""
    monkeypatch.setattr(datacheck, "data_package_problems", lambda root, bib=None: [])
    monkeypatch.setattr(kb_module, "load_bibliography", lambda path: bibliography)
    return knowledge_root(tmp_path / "book", [FIXTURES / "sample-case.yml"])


def with_lessons(book, *lessons):
    path = book / "case_studies" / "sample-case.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["lessons"] = list(lessons)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_knowledge_base(book)


def reports(kb) -> list[str]:
    return [str(p) for p in kb.problems]


def test_a_valid_lesson_loads(book):
    kb = with_lessons(book, LESSON)
    assert kb.ok, kb.problems
    lesson = kb.records["sample-case"].lessons[0]
    assert (lesson.type, list(lesson.factors), lesson.source.locator) == ("enabler", ["leadership-and-relationships", "pooled-budgets-and-payment"], "Case study 99, p. 2")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"factors": ["leadership"]}, "lessons[0].factors[0]: 'leadership' is not in the factors vocabulary — did you mean 'leadership-and-relationships'?"),
        ({"type": "helped"}, "lessons[0].type: 'helped' is not in the lesson_types vocabulary"),
        ({"factors": []}, "lessons[0].factors: is empty — give at least 1"),
        ({"statement": "  "}, "lessons[0].statement: is empty — fill it in"),
        ({"source": None}, "lessons[0].source: should be a group of fields, not empty"),
        ({"source": {"key": "phc2016getwelsoon", "locator": "p. 2"}}, "lessons[0].source.key: cites 'phc2016getwelsoon', which is not in references.bib — did you mean 'phc2016getwellsoon'?"),
        ({"factors": ["evaluation", "evaluation"]}, "lessons[0].factors[1]: lists 'evaluation' twice — remove the repeat"),
    ],
)
def test_a_bad_lesson_gets_a_message_naming_file_field_and_fix(book, change, expected):
    found = reports(with_lessons(book, {**LESSON, **change}))
    assert any(r.startswith("case_studies/sample-case.yml:") and expected in r for r in found), found


def test_a_lesson_without_a_source_is_refused(book):
    lesson = {k: v for k, v in LESSON.items() if k != "source"}
    found = reports(with_lessons(book, lesson))
    assert any("lessons[0].source: is missing — add `source:` (where the source says it" in r for r in found), found


def test_the_exports_carry_the_lessons(book, tmp_path):
    second = {**LESSON, "source": dict(LESSON["source"]), "type": "barrier", "factors": ["data-sharing-and-digital"], "statement": "=Records could not be shared."}
    kb = with_lessons(book, LESSON, second)
    assert kb.ok, kb.problems
    texts = export_texts(kb)
    exported = json.loads(texts["case-studies.json"])["case_studies"][0]["lessons"]
    assert [lesson["type"] for lesson in exported] == ["enabler", "barrier"]
    assert exported[0]["source"] == LESSON["source"]
    rows = list(csv.DictReader(io.StringIO(texts["lessons.csv"])))
    assert [(r["case_study_id"], r["lesson"], r["type"], r["factors"]) for r in rows] == [
        ("sample-case", "1", "enabler", "leadership-and-relationships; pooled-budgets-and-payment"),
        ("sample-case", "2", "barrier", "data-sharing-and-digital"),
    ]
    assert rows[1]["statement"].startswith("'=")  # no cell runs as a spreadsheet formula
    assert rows[0]["source_locator"] == "Case study 99, p. 2"
    out = tmp_path / "site-data"
    write_exports(kb, out)
    assert check_exports(kb, out) == []
    text = (out / "lessons.csv").read_text(encoding="utf-8")
    (out / "lessons.csv").write_text(text.rsplit("sample-case,2,", 1)[0], encoding="utf-8")  # the second row lost
    assert "lessons.csv: sample-case has 1 rows, its record 2" in check_exports(kb, out)


def test_lessons_csv_has_its_header_when_no_record_has_lessons(book):
    kb = load_knowledge_base(book)
    header = export_texts(kb)["lessons.csv"].splitlines()
    assert header == ["case_study_id,lesson,type,factors,statement,source_key,source_locator"]


def test_a_framework_item_links_only_to_known_factors(book):
    path = book / "data" / "frameworks" / "kf-design-principles.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"][0]["factors"] = ["boundaries-and-scale", "shared-vison"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    found = reports(load_knowledge_base(book))
    assert any(
        r.startswith("data/frameworks/kf-design-principles.yml:") and "items[0].factors[1]: 'shared-vison' is not in the factors vocabulary — did you mean 'shared-purpose'?" in r
        for r in found
    ), found
    assert not any("'boundaries-and-scale'" in r for r in found)


def test_the_real_framework_items_and_lessons_use_every_factor(root):
    """The vocabulary holds no factor that nothing in the book links to."""
    kb = load_knowledge_base(root)
    used = {f for r in kb.records.values() for lesson in r.lessons for f in lesson.factors}
    used |= {f for fw in kb.frameworks for item in fw.items for f in item.factors}
    assert set(kb.vocab("factors").ids()) <= used


def test_the_documents_cross_cutting_lessons_link_to_factors(root):
    """The design principles, the Commission's enablers and challenges, Localis's recommendations and the
    key actions of Shifting the centre of gravity each name the factors they are about, so a factor's page can
    set what the documents advise beside what the case studies found."""
    kb = load_knowledge_base(root)
    items = kb.vocab("framework_items")
    cross_cutting = ("kf-design-principles", "gws-enablers", "gws-challenges", "le-recommendations", "stcog-key-actions", "stcog-themes")
    unlinked = [t.id for t in items.terms if t.framework in cross_cutting and not t.factors]
    assert unlinked == []
    assert items.by_id["kf-principle-single-measures"].factors == ("evaluation",)


def test_the_derived_files_offer_lessons_with_their_terms(root):
    """Editors get the factor and type terms as choices; the issue form asks for lessons and names the terms."""
    from evidencebook.records.vocabularies import load_vocabularies
    from evidencebook.tools.derive import ISSUE_FORM

    vocabularies = load_vocabularies(root / "data")
    schema = json.loads((root / "case_studies" / "_schema.json").read_text(encoding="utf-8"))
    lesson = schema["$defs"]["Lesson"]["properties"]
    assert lesson["factors"]["items"]["enum"] == vocabularies["factors"].ids()
    assert lesson["type"]["enum"] == vocabularies["lesson_types"].ids()
    form = yaml.safe_load((root / ISSUE_FORM).read_text(encoding="utf-8"))
    lessons = next(e for e in form["body"] if e.get("id") == "lessons")
    assert lessons["validations"]["required"] is False
    assert all(term in lessons["attributes"]["description"] for term in vocabularies["factors"].ids())
