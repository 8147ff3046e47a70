"""The chapter "What helps and what hinders" (chapters/helps.py) on a small knowledge base: counts by
factor and type, a factor that helped in one case study and hindered in another on both sides, the
groupings by theme and level, the framework items of each factor, and every lesson on the page, escaped."""

from __future__ import annotations

import html
import re

import pytest
import yaml

from evidencebook.chapters import helps
from evidencebook.chapters.frameworks_page import item_hrefs
from evidencebook.records import datacheck
from evidencebook.records import kb as kb_module
from evidencebook.records.bib import load_bibliography
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root

SOURCE = {"key": "phc2016getwellsoon", "locator": "Case study 99, p. 2"}


def lesson(statement: str, type_: str, *factors: str) -> dict:
    return {"statement": statement, "type": type_, "factors": list(factors), "source": dict(SOURCE)}


# sample-case: a place-level case study (discharge, integration); other-case: a neighbourhood one (workforce, integration).
SAMPLE_LESSONS = [
    lesson("Years of joint work let the partners pool their budget.", "enabler", "leadership-and-relationships", "pooled-budgets-and-payment"),
    lesson("The pooled budget let the team buy care where it was needed.", "mechanism", "pooled-budgets-and-payment"),
    lesson("Shared records sped up each discharge.", "enabler", "data-sharing-and-digital"),
]
OTHER_LESSONS = [
    lesson("Money could not be moved between the budgets <script>alert(1)</script>.", "barrier", "pooled-budgets-and-payment"),
    lesson("The new roles cost a year of funding before any saving.", "cost", "workforce-and-roles", "pooled-budgets-and-payment"),
    lesson("A second barrier on the same factor counts the case study once.", "barrier", "pooled-budgets-and-payment"),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory, root):
    bibliography = load_bibliography(root / "references.bib")
    patch = pytest.MonkeyPatch()
    patch.setattr(datacheck, "data_package_problems", lambda root, bib=None: [])
    patch.setattr(kb_module, "load_bibliography", lambda path: bibliography)
    book = knowledge_root(tmp_path_factory.mktemp("helps") / "book")
    sample = yaml.safe_load((FIXTURES / "sample-case.yml").read_text(encoding="utf-8"))
    other = {**sample, "id": "other-case", "title": "Other town neighbourhood teams", "level": "neighbourhood", "themes": ["workforce", "integrated-health-and-social-care"]}
    for record, lessons in ((sample, SAMPLE_LESSONS), (other, OTHER_LESSONS)):
        record = {**record, "lessons": lessons}
        (book / "case_studies" / f"{record['id']}.yml").write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    knowledge_base = load_knowledge_base(book)
    patch.undo()
    assert knowledge_base.ok, knowledge_base.problems
    return knowledge_base


@pytest.fixture(scope="module")
def lessons(kb):
    return helps.lesson_frame(kb)


def test_one_row_per_lesson_and_factor(lessons):
    per_lesson = lessons.groupby(["case_id", "lesson"])["factor_id"].apply(list).to_dict()
    assert per_lesson == {
        ("sample-case", 1): ["leadership-and-relationships", "pooled-budgets-and-payment"],
        ("sample-case", 2): ["pooled-budgets-and-payment"],
        ("sample-case", 3): ["data-sharing-and-digital"],
        ("other-case", 1): ["pooled-budgets-and-payment"],
        ("other-case", 2): ["workforce-and-roles", "pooled-budgets-and-payment"],
        ("other-case", 3): ["pooled-budgets-and-payment"],
    }
    assert set(lessons["source_short"]) == {"Place-Based Health Commission (2016), Get well soon"}


def test_counts_case_studies_by_factor_and_type(kb, lessons):
    counts = helps.factor_counts(kb, lessons).set_index("factor_id")
    assert list(counts.index) == kb.vocab("factors").ids()  # every factor, in the vocabulary's order
    pooled = counts.loc["pooled-budgets-and-payment"]
    # two barrier lessons in one case study count it once
    assert (pooled["enabler"], pooled["barrier"], pooled["mechanism"], pooled["cost"], pooled["condition"]) == (1, 1, 1, 1, 0)
    assert (pooled["case studies"], pooled["lessons"]) == (2, 5)
    assert (counts.loc["leadership-and-relationships", "enabler"], counts.loc["leadership-and-relationships", "barrier"]) == (1, 0)
    assert counts.loc["evaluation", "case studies"] == 0
    with_items = {f for fw in kb.frameworks for item in fw.items for f in item.factors}
    assert {f for f, n in counts["framework items"].items() if n} == with_items


def test_a_factor_that_helped_in_one_case_study_and_hindered_in_another_is_on_both_sides(kb, lessons):
    found = helps.both_ways(kb, lessons)
    assert [f.factor_id for f in found] == ["pooled-budgets-and-payment"]  # data sharing only helped
    assert set(found[0].helped["case_id"]) == {"sample-case"}
    assert set(found[0].hindered["case_id"]) == {"other-case"}
    table = str(helps.both_ways_html(kb, lessons))
    row = re.search(r'<tr><th scope="row"><a href="#factor-pooled-budgets-and-payment">.*?</tr>', table).group(0)
    helped, hindered = re.findall(r"<td data-label=\"[^\"]+\">(.*?)</td>", row)
    assert "sample-case.html" in helped and "other-case" not in helped
    assert "other-case.html" in hindered and "sample-case" not in hindered
    assert "1 factor that helped" in table


def test_each_factor_section_sets_enablers_beside_barriers_and_lists_every_lesson_escaped(kb, lessons):
    page = str(helps.factor_sections_html(kb, lessons))
    sections = dict(re.findall(r'id="(factor-[a-z-]+)">(.*?)</details>', page, re.S))
    assert set(sections) == {f"factor-{f}" for f in kb.vocab("factors").ids()}
    pooled = sections["factor-pooled-budgets-and-payment"]
    helped = pooled.split('kb-side-helped">', 1)[1].split('kb-side-hindered">', 1)[0]
    hindered = pooled.split('kb-side-hindered">', 1)[1].split("</div>", 1)[0]
    assert "Years of joint work" in helped and "Money could not be moved" not in helped
    assert "Money could not be moved" in hindered and "A second barrier" in hindered
    assert "What it cost" in pooled and "How it worked" in pooled and "For whom and where" not in pooled
    for record in kb.records.values():
        for item in record.lessons:
            for factor in item.factors:
                assert html.escape(item.statement, quote=True) in sections[f"factor-{factor}"], (factor, item.statement)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "1 case study" in page and "2 case studies: enabler in 1, barrier in 1" in page


def test_each_factor_links_to_the_framework_items_about_it(kb, lessons):
    page = str(helps.factor_sections_html(kb, lessons))
    hrefs = item_hrefs(kb)
    for fw in kb.frameworks:
        for item in fw.items:
            for factor in item.factors:
                section = page.split(f'id="factor-{factor}"', 1)[1].split("</details>", 1)[0]
                assert hrefs[item.id].endswith(f".html#item-{item.id}") and f'href="{hrefs[item.id]}"' in section, (factor, item.id)


def test_factors_by_theme_and_by_level(kb, lessons):
    by_level = helps.factors_by(kb, "level", lessons).set_index(["group_id", "factor_id"])
    assert by_level.loc[("neighbourhood", "pooled-budgets-and-payment"), ["case studies", "enabler", "barrier"]].tolist() == [1, 0, 1]
    assert by_level.loc[("place", "pooled-budgets-and-payment"), ["case studies", "enabler", "barrier"]].tolist() == [1, 1, 0]
    by_theme = helps.factors_by(kb, "theme", lessons).set_index(["group_id", "factor_id"])
    # sample-case has two themes, and counts under each
    assert by_theme.loc[("discharge-and-intermediate-care", "data-sharing-and-digital"), "case studies"] == 1
    assert by_theme.loc[("integrated-health-and-social-care", "data-sharing-and-digital"), "case studies"] == 1
    assert ("workforce", "data-sharing-and-digital") not in by_theme.index
    assert by_theme.loc[("integrated-health-and-social-care", "pooled-budgets-and-payment"), "case studies"] == 2
    levels = str(helps.groups_html(kb, "level", lessons))
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', levels) == ["Place", "Neighbourhood"]  # the vocabulary's order
    themes = str(helps.groups_html(kb, "theme", lessons))
    row = themes.split('<th scope="row">Integrated health and social care</th>', 1)[1].split("</tr>", 1)[0]
    assert row.startswith("<td>2</td>")  # case studies with lessons in the theme
    # one column per factor with lessons, in the vocabulary's order; each count links down to the factor's section
    columns = re.findall(r'<th scope="col" class="kb-matrix-col"><a href="#factor-([a-z-]+)">', themes)
    assert columns == [f for f in kb.vocab("factors").ids() if f in set(lessons["factor_id"])]
    cells = re.findall(r"<td>(.*?)</td>", row)[1:]
    pooled = cells[columns.index("pooled-budgets-and-payment")]
    assert pooled.startswith('<a href="#factor-pooled-budgets-and-payment"><span aria-hidden="true">2</span>')
    assert "2 case studies on Budgets, funding and payment (Integrated health and social care)" in pooled
    assert "1 case study on Leadership and relationships" in cells[columns.index("leadership-and-relationships")]
    workforce_row = themes.split('<th scope="row">Workforce</th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(.*?)</td>", workforce_row)[1 + columns.index("data-sharing-and-digital")] == ""


def test_the_real_knowledge_base_gives_every_factor_a_section_and_the_chapter_is_in_the_contents(root):
    kb = load_knowledge_base(root)
    lessons = helps.lesson_frame(kb)
    assert len(lessons.drop_duplicates(["case_id", "lesson"])) == sum(len(r.lessons) for r in kb.records.values())
    counts = helps.factor_counts(kb, lessons)
    assert counts["case studies"].sum() > 0
    assert "chapters/what-helps" in (root / "_toc.yml").read_text(encoding="utf-8")


# --- the integration checklist: from an area to its factors and the lessons on them -----------------


def test_each_checklist_area_shows_its_factors_and_the_lessons_that_address_it(kb):
    from bs4 import BeautifulSoup

    from evidencebook.chapters.checklist_page import checklist_part
    from evidencebook.chapters.frameworks import framework_items

    soup = BeautifulSoup(checklist_part(kb), "html.parser")
    item_factors = {item.id: item.factors for _, item in framework_items(kb)}
    for theme in kb.checklist.themes:
        for area in theme.areas:
            block = soup.find(attrs={"data-area-id": area.id})
            assert (block["data-theme-name"], block["data-area-name"]) == (theme.name, area.name)
            expected = {f for i in area.framework_items for f in item_factors[i]}
            shown = {a["href"].split("#factor-")[1] for a in block.select(".kb-checklist-factors a[href*='#factor-']")}
            assert shown == expected, area.id
    area = soup.find(attrs={"data-area-id": "so-transformation"})  # its items are about budgets, among others
    lessons = [li.get_text(" ", strip=True) for li in area.select("#lessons-so-transformation li")]
    assert [text.split(":")[0] for text in lessons] == ["Enabler", "Barrier", "Barrier"]  # what helped first
    assert "Years of joint work" in lessons[0] and "Money could not be moved" in lessons[1]
    assert not any("The pooled budget let the team" in text for text in lessons)  # a mechanism does not address an item
    assert [li["data-lesson"] for li in area.select("#lessons-so-transformation li")] == ["1", "3", "4"]  # each lesson's key


def _addressing_lessons_on(kb, factors) -> list[str]:
    """Computed here from the records: the statements of the lessons on any of `factors` that address an item,
    what helped first, then what it took, then what held the work back (each in record order)."""
    types = ("enabler", "implementation", "barrier")
    found = [
        (types.index(lesson.type), lesson.statement)
        for record in kb.records.values()
        for lesson in record.lessons
        if lesson.type in types and set(lesson.factors) & set(factors)
    ]
    return [statement for _, statement in sorted(found, key=lambda pair: pair[0])]


def test_each_checklist_item_shows_its_own_factors_and_counts_the_lessons_on_them(kb):
    """An item with factors names them and points to the lessons on ITS factors: the page gives their keys,
    and every key is a lesson the page holds (in an area's list or, once, in the tools' template)."""
    from bs4 import BeautifulSoup

    from evidencebook.chapters.checklist_page import checklist_part

    soup = BeautifulSoup(checklist_part(kb), "html.parser")
    held = {li["data-lesson"]: li.select_one(".kb-lesson-statement").get_text() for li in soup.select(".kb-checklist-lesson:not([data-ref])")}
    order = kb.vocab("factors").ids()
    counted = 0
    for item in (i for t in kb.checklist.themes for a in t.areas for i in a.items):
        li = soup.find("li", attrs={"data-item-id": item.id})
        shown = [a["href"].split("#factor-")[1] for a in li.select(".kb-item-factors a")]
        assert shown == [f for f in order if f in item.factors], item.id
        expected = _addressing_lessons_on(kb, item.factors)
        own = li.select_one("details.kb-item-evidence")
        if not expected:
            assert own is None, item.id
            continue
        counted += 1
        assert own["id"] == f"lessons-{item.id}"
        assert own.summary.get_text() == f"Not in place yet? Lessons that may help ({len(expected)})"
        assert [held[k] for k in own["data-lessons"].split()] == expected, item.id
    assert counted
    budgets = soup.find("li", attrs={"data-item-id": "so-transformation-2"}).select_one("details.kb-item-evidence")
    assert budgets["data-lessons"] == "1 3 4"  # on budgets: the enabler first, then the two barriers
    assert soup.select("template") == []  # every lesson an item needs is in an area's list already


def test_the_checklist_writes_each_lesson_out_once_and_later_areas_link_to_it(real_kb):
    """Areas share factors, so one lesson is on several areas' lists: it is written in full in the first, and
    each later area gives its type and case study with a link to it (the page was a megabyte with every copy)."""
    from bs4 import BeautifulSoup

    from evidencebook.chapters.checklist_page import checklist_part

    soup = BeautifulSoup(checklist_part(real_kb), "html.parser")
    full = soup.select(".kb-checklist-lessons .kb-checklist-lesson:not([data-ref])")
    keys = [li["data-lesson"] for li in full]
    assert len(keys) == len(set(keys)), "a lesson written out twice"
    refs = soup.select(".kb-checklist-lessons .kb-checklist-lesson[data-ref]")
    assert refs, "the real book's areas share lessons"
    for ref in refs:
        key = ref["data-lesson"]
        target = soup.find(id=f"kb-lesson-{key}")
        assert target is not None and target["data-lesson"] == key
        first_area = target.find_parent(attrs={"data-area-id": True})
        assert ref.find_parent(attrs={"data-area-id": True}) is not first_area
        link = ref.select_one("a.kb-lesson-ref")
        assert link["href"] == f"#kb-lesson-{key}"
        assert link.get_text() == f"the lesson as given under {first_area['data-area-name']}"
        # the same case study and type as the full lesson, so the list still reads without scripts
        assert ref.a["href"] == target.a["href"] and ref["data-type"] == target["data-type"]


def test_a_lesson_an_item_needs_that_no_area_lists_is_held_once_in_a_template(kb):
    from dataclasses import replace

    from bs4 import BeautifulSoup

    from evidencebook.chapters.checklist_page import checklist_part

    # without its framework items, the information-sharing area lists no lesson: the one on shared records
    # (key 2) is then on no area's list, but items on data sharing still need it
    themes = [
        theme.model_copy(update={"areas": [a.model_copy(update={"framework_items": []}) if a.id == "ss-information-sharing" else a for a in theme.areas]})
        for theme in kb.checklist.themes
    ]
    soup = BeautifulSoup(checklist_part(replace(kb, checklist=kb.checklist.model_copy(update={"themes": themes}))), "html.parser")
    (pool,) = soup.find_all("template", class_="kb-checklist-lesson-pool")  # (CSS selectors do not look inside a template)
    assert [li["data-lesson"] for li in pool.find_all("li", class_="kb-checklist-lesson")] == ["2"]
    assert soup.select('.kb-checklist-lessons li[data-lesson="2"]') == []
    records = soup.find("li", attrs={"data-item-id": "ss-information-sharing-1"}).select_one("details.kb-item-evidence")
    assert records["data-lessons"] == "2"


def test_a_checklist_item_without_factors_points_to_its_areas_lessons(kb):
    from dataclasses import replace

    from bs4 import BeautifulSoup

    from evidencebook.chapters.checklist_page import checklist_part

    theme = kb.checklist.themes[0]
    area = theme.areas[0]
    bare = area.model_copy(update={"items": [area.items[0].model_copy(update={"factors": []}), *area.items[1:]]})
    checklist = kb.checklist.model_copy(update={"themes": [theme.model_copy(update={"areas": [bare, *theme.areas[1:]]}), *kb.checklist.themes[1:]]})
    soup = BeautifulSoup(checklist_part(replace(kb, checklist=checklist)), "html.parser")
    li = soup.find("li", attrs={"data-item-id": area.items[0].id})
    assert li.select_one(".kb-item-factors") is None and li.select_one("details") is None
    pointer = li.select_one(".kb-item-evidence a")
    assert pointer["href"] == f"#lessons-{area.id}" and pointer.get_text() == "Not in place yet? Lessons that may help (3)"


def test_at_scale_each_list_shows_its_first_lessons_and_counts_the_rest(kb, lessons, monkeypatch):
    monkeypatch.setattr(helps, "names_per_cell", lambda sizes: 1)  # as when the lists name more than LISTING_LIMIT
    page = str(helps.factor_sections_html(kb, lessons))
    hindered = page.split('id="factor-pooled-budgets-and-payment"', 1)[1].split('kb-side-hindered">', 1)[1].split("</div>", 1)[0]
    assert "Money could not be moved" in hindered and "A second barrier" not in hindered
    assert '<a href="../data/lessons.csv">and 1 more lesson in the lessons export</a>' in hindered
    assert "more lesson" not in page.split('id="factor-leadership-and-relationships"', 1)[1].split("</details>", 1)[0]
