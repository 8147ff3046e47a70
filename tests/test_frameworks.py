"""Frameworks linked to the evidence, and the integration checklist: the data is complete and valid,
every link a record makes shows up where a reader looks for it, gaps are shown, and the built
chapters list every item and every illustrating case study."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from bs4 import BeautifulSoup

from evidencebook.chapters import frameworks as fw
from evidencebook.chapters import frameworks_page as page_parts
from evidencebook.chapters.checklist_page import checklist_part
from evidencebook.chapters.generated import GENERATED_DIR, part_texts, subpage_lists
from evidencebook.records.kb import load_knowledge_base
from evidencebook.records.reference_schema import CHECKLIST_RESERVED_PREFIXES
from evidencebook.records.schema import Outcome

from .conftest import FIXTURES, ROOT, make_book, run_build


@pytest.fixture(scope="module")
def kb():
    kb = load_knowledge_base(ROOT)
    assert kb.ok, kb.problems
    return kb


def expected_links(kb) -> dict[str, dict[str, set[str]]]:
    """Straight from the records: item id -> case id -> titles of the examples that illustrate it
    (an empty set when the record as a whole does)."""
    out: dict[str, dict[str, set[str]]] = {item.id: {} for f in kb.frameworks for item in f.items}
    for r in kb.records.values():
        for ex in r.examples:
            for item_id in ex.illustrates:
                out[item_id].setdefault(r.id, set()).add(ex.title)
        for item_id in r.illustrates:  # the record itself illustrates it: shown as a whole, whatever its examples say
            out[item_id][r.id] = set()
    return out


# --- the data --------------------------------------------------------------------------------------


def test_checklist_is_complete_and_valid(kb):
    checklist = kb.checklist
    assert checklist is not None
    # The checklist of Shifting the centre of gravity, section 5: three themes, ten areas, 85 bullets.
    assert [t.name for t in checklist.themes] == [
        "Shared outcomes",
        "Shared leadership and accountability",
        "Shared systems",
    ]
    areas = [a for t in checklist.themes for a in t.areas]
    items = [i for a in areas for i in a.items]
    assert len(areas) == 10
    assert len(items) == 85
    ids = [t.id for t in checklist.themes] + [a.id for a in areas] + [i.id for i in items]
    assert len(ids) == len(set(ids)), "ids are unique across the checklist"
    assert all(i.locator.strip() and i.text.strip() for i in items)
    framework_item_ids = {item.id for f in kb.frameworks for item in f.items}
    for area in areas:
        assert area.framework_items, f"{area.id} is linked to no framework item, so to no case study"
        assert set(area.framework_items) <= framework_item_ids


def test_checklist_items_name_one_to_three_factors(kb):
    """Each item is linked to the factors its own text is about (#21): one to three, each once, from the
    vocabulary. The schema refuses an item without (see the test below), so every item has its own lessons."""
    factors = set(kb.vocab("factors").ids())
    items = [i for t in kb.checklist.themes for a in t.areas for i in a.items]
    for item in items:
        assert 1 <= len(item.factors) <= 3 and len(set(item.factors)) == len(item.factors), item.id
        assert set(item.factors) <= factors, item.id


def checklist_book(tmp_path) -> tuple:
    """A book of the real data and one sample record in `tmp_path`: (its checklist's path, the checklist as loaded)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "case_studies").mkdir()
    shutil.copy(FIXTURES / "sample-case.yml", tmp_path / "case_studies")
    path = tmp_path / "data" / "integration-checklist.yml"
    return path, yaml.safe_load(path.read_text())


def test_a_checklist_item_without_factors_is_refused_naming_the_item_and_the_fix(tmp_path):
    path, data = checklist_book(tmp_path)
    first_area, second_area = data["themes"][0]["areas"][:2]
    del first_area["items"][1]["factors"]  # left out
    second_area["items"][0]["factors"] = []  # given, but empty
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    loaded = load_knowledge_base(tmp_path)
    assert loaded.checklist is None
    lines = [str(p) for p in loaded.problems if p.file == "data/integration-checklist.yml"]
    fix = "add `factors` with the one to three factors of data/vocabularies/factors.yml its text is about, e.g. factors: [workforce-and-roles]"
    for field, item in (("themes[0].areas[0].items[1]", first_area["items"][1]), ("themes[0].areas[1].items[0]", second_area["items"][0])):
        [line] = [line for line in lines if f": {field}: " in line]
        assert line.startswith("data/integration-checklist.yml:") and f"item {item['id']!r} names no factor — {fix}" in line
        number = int(line.split(":")[1])
        assert f"- id: {item['id']}" in path.read_text().splitlines()[number - 1]  # the line is the item's own


def test_framework_item_ids_are_unique_and_every_reference_exists(kb):
    ids = [item.id for f in kb.frameworks for item in f.items]
    assert len(ids) == len(set(ids))
    known = set(ids)
    for r in kb.records.values():
        assert set(r.illustrates) <= known, r.id
        for ex in r.examples:
            assert set(ex.illustrates) <= known, (r.id, ex.title)
    # every document with a framework is cited as each framework's source
    assert all(f.source.key in kb.bibliography for f in kb.frameworks)


def test_checklist_with_a_duplicate_id_or_unknown_framework_item_is_refused_with_a_clear_message(tmp_path):
    path, data = checklist_book(tmp_path)
    first_area = data["themes"][0]["areas"][0]
    first_area["items"][1]["id"] = first_area["items"][0]["id"]
    first_area["framework_items"] = ["stcog-area-supporting-transformaton"]
    first_area["items"][2]["factors"] = ["workforce"]  # an alias, not a factor id
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    problems = load_knowledge_base(tmp_path).problems
    messages = {(p.file, p.field): p.message + " " + p.fix for p in problems}
    factor = messages.get(("data/integration-checklist.yml", "themes[0].areas[0].items[2].factors[0]"), "")
    assert "'workforce' is not in the factors vocabulary" in factor and "did you mean 'workforce-and-roles'?" in factor
    assert "data/vocabularies/factors.yml" in factor
    duplicate = messages.get(("data/integration-checklist.yml", "themes[0].areas[0].items[1].id"), "")
    assert "used twice" in duplicate
    unknown = messages.get(("data/integration-checklist.yml", "themes[0].areas[0].framework_items[0]"), "")
    assert "not the id of any framework item" in unknown and "stcog-area-supporting-transformation" in unknown


def test_the_checklist_pages_own_ids_use_the_prefixes_checklist_ids_may_not_start_with(kb):
    """An item's id is written into the page as it is; every other id the page makes must start with a
    prefix the validator reserves, or an item could take it (an item `kb-checklist-load` would)."""
    part = checklist_part(kb)
    labels = re.findall(r"^\(([^)]+)\)=$", part, flags=re.M)  # MyST labels: anchors of themes and areas
    ids = [el["id"] for el in BeautifulSoup(part, "html.parser").find_all(id=True)] + labels
    assert len(ids) == len(set(ids))
    item_ids = {i.id for t in kb.checklist.themes for a in t.areas for i in a.items}
    own = [i for i in ids if i not in item_ids]
    assert "kb-checklist-load" in own and {f"area-{a.id}" for t in kb.checklist.themes for a in t.areas} <= set(labels)
    assert all(i.startswith(CHECKLIST_RESERVED_PREFIXES) for i in own), own
    assert not any(i.startswith(CHECKLIST_RESERVED_PREFIXES) for i in item_ids)


def test_every_link_in_the_generated_parts_points_at_a_label_they_define(kb):
    """The parts and the chapters' own pages link to headings by label ([text](#label)), which the strict
    build resolves; here, without a build, every such target is a label one of them defines, and every
    page a part links to ([text](<chapter>/<page>.md)) is one that is generated."""
    parts = part_texts(kb)
    assert set(parts) == {"overview", "outcomes", "frameworks", "checklist", "data-dictionary", "exports", "home-headlines", "summary-headlines"}
    pages = [page for pages in subpage_lists(kb).values() for page in pages]
    texts = [*parts.values(), *(page.text for page in pages)]
    labels = {label for text in texts for label in re.findall(r"^\(([^)]+)\)=$", text, flags=re.M)}
    targets = {t for text in texts for t in re.findall(r"\]\(#([^)]+)\)", text)}
    assert {f"item-{i.id}" for f in kb.frameworks for i in f.items} <= labels
    assert {f"framework-{f.id}" for f in kb.frameworks} <= labels
    assert targets and targets <= labels, targets - labels
    linked = {f"chapters/{m}" for text in parts.values() for m in re.findall(r"\]\(([a-z-]+/[a-z0-9-]+)\.md\)", text)}
    # and the pages the exports' pages link by their name ({doc}`/chapters/exports/lookups-themes`)
    linked |= {m for text in texts for m in re.findall(r"\{doc\}`(?:[^`<]*<)?/(chapters/[a-z-]+/[a-z0-9-]+)>?`", text)}
    assert linked == {page.docname for page in pages if "-page-" not in page.name}


# --- linking items to the evidence -------------------------------------------------------------------


def test_each_item_lists_exactly_the_case_studies_whose_records_say_they_illustrate_it(kb):
    found = fw.illustrations(kb)
    expected = expected_links(kb)
    assert list(found) == [item.id for f in kb.frameworks for item in f.items]
    for item_id, cases in expected.items():
        got = {row.case_id: set(row.examples) for row in found[item_id]}
        assert got == cases, item_id
        titles = [row.case_title for row in found[item_id]]
        assert titles == sorted(titles, key=str.casefold)


def test_items_no_case_study_illustrates_are_the_gaps(kb):
    expected = {item_id for item_id, cases in expected_links(kb).items() if not cases}
    assert set(fw.gaps(kb)["item_id"]) == expected
    frame = fw.items_frame(kb)
    assert len(frame) == sum(len(f.items) for f in kb.frameworks)


def _outcome(kind, value=None, metric="m", **extra):
    return Outcome(
        metric=metric,
        value=value,
        unit="percent" if value is not None else None,
        kind=kind,
        domain="hospital-use",
        note=None if value is not None else "no number",
        **extra,
    )


def test_key_outcome_is_the_first_measured_figure_then_a_reported_change_then_any_figure(kb):
    record = next(iter(kb.records.values()))
    pick = lambda *outcomes: fw.key_outcome(kb, record.model_copy(update={"outcomes": list(outcomes)}))  # noqa: E731
    target = _outcome("target", 10, "target")
    reported = _outcome("reported-change", None, "reported without number")
    measured = _outcome("measured", 15, "admissions", direction="decrease")
    assert pick(target, reported, measured).text == "admissions: 15% (decrease)"
    assert pick(target, reported).labelled() == "reported without number (no figure given) [reported change]"
    chosen = pick(_outcome("context", None, "context without number"), target)
    assert (
        chosen.text == "target: 10%"
        and chosen.kind == "Target"
        and chosen.labelled() == "target: 10% [target]"
    )
    assert pick() is None


def test_where_documents_agree_lists_every_case_illustrating_two_documents_frameworks(kb):
    document_of = {item.id: f.source.key for f in kb.frameworks for item in f.items}
    expected = set()
    for r in kb.records.values():
        ids = set(r.illustrates) | {i for ex in r.examples for i in ex.illustrates}
        if len({document_of[i] for i in ids}) >= 2:
            expected.add(r.id)
    frame = fw.agreement_frame(kb)
    assert set(frame["case_id"]) == expected
    assert (frame["documents"] >= 2).all()

    overlap = fw.framework_overlap(kb).set_index(["framework_a", "framework_b"])["case studies"]
    for f in kb.frameworks:
        item_ids = {item.id for item in f.items}
        cases = {c for i in item_ids for c in expected_links(kb)[i]}
        assert overlap[(f.title, f.title)] == len(cases)
    for (a, b), n in overlap.items():
        assert overlap[(b, a)] == n


def test_checklist_areas_link_to_the_cases_of_their_framework_items(kb):
    links = expected_links(kb)
    cases = fw.checklist_cases(kb)
    for theme in kb.checklist.themes:
        for area in theme.areas:
            expected = {c for i in area.framework_items for c in links[i]}
            got = [row.case_id for row in cases[area.id]]
            assert sorted(got) == sorted(expected) and len(got) == len(set(got)), area.id


def test_question_across_frameworks_names_each_case_once_and_refuses_unknown_items(kb):
    items = ["kf-option-pooled-budget", "stcog-area-funding-and-resources"]
    table = page_parts.question_html(kb, items, "Pooled budgets")
    links = expected_links(kb)
    expected = set(links[items[0]]) | set(links[items[1]])
    found = re.findall(r'href="\.\./cases/([a-z0-9-]+)\.html"', table)
    assert sorted(found) == sorted(expected)
    with pytest.raises(KeyError, match="pooled-budgest"):
        page_parts.question_html(kb, ["pooled-budgest"], "x")


def test_record_text_is_escaped_in_the_tables():
    row = fw.Illustration(
        "a-case", "<script>alert(1)</script>", ("<b>x</b>",), fw.KeyOutcome("<i>y</i>", "Measured", True)
    )
    table = page_parts.illustrations_table([row], "cap<tion>")
    assert "<script>" not in table and "<b>" not in table and "<i>" not in table
    assert "&lt;script&gt;" in table and "cap&lt;tion&gt;" in table


# --- the built chapters ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frameworks_page(built_book):
    return BeautifulSoup(
        (built_book / "chapters" / "frameworks.html").read_text(encoding="utf-8"), "html.parser"
    )


@pytest.fixture(scope="module")
def framework_pages(kb, built_book):
    """Page name -> a framework's page (chapters/frameworks/<id>.html, and <id>-page-2.html... when its
    items fill more than one), parsed."""
    folder = built_book / "chapters" / "frameworks"
    return {path.stem: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser") for path in sorted(folder.glob("*.html"))}


def _pages_of(pages: dict, framework_id: str) -> list:
    """A framework's pages, first to last."""
    names = [name for name in pages if name == framework_id or name.startswith(f"{framework_id}-page-")]
    return [pages[name] for name in sorted(names, key=lambda n: int(n.rsplit("-page-", 1)[1]) if "-page-" in n else 1)]


def _on_one_of(pages: list, anchor: str):
    found = [page for page in pages if page.find(id=anchor) is not None]
    assert len(found) == 1, anchor
    return found[0]


@pytest.fixture(scope="module")
def checklist_page(built_book):
    return BeautifulSoup(
        (built_book / "chapters" / "checklist.html").read_text(encoding="utf-8"), "html.parser"
    )


def _case_links(element) -> set[str]:
    """The case studies linked from a chapter's page or (two levels down) one of its own pages."""
    return {
        re.sub(r"^(\.\./)+cases/", "", a["href"]).removesuffix(".html")
        for a in element.select('a[href^="../cases/"], a[href^="../../cases/"]')
    }


def _section(page, anchor: str):
    """The page section a heading label anchors: the label is an empty span first in its section."""
    target = page.find(id=anchor)
    assert target is not None, anchor
    return target if target.name == "section" else target.find_parent("section")


def _page_contents(page) -> list[str]:
    """The entries of the page's "On this page" contents, as the reader sees them."""
    nav = page.select_one("nav.bd-toc-nav, #pst-page-toc-nav")
    assert nav is not None
    return [" ".join(a.get_text(" ").split()) for a in nav.select("a")]


@pytest.mark.build
def test_frameworks_chapter_lists_every_item_with_its_cases_and_shows_gaps(kb, frameworks_page, framework_pages, built_book):
    links = expected_links(kb)
    listed = [a["href"] for a in frameworks_page.select('a[href^="frameworks/"]')]
    assert listed[: len(kb.frameworks)] == [f"frameworks/{f.id}.html" for f in kb.frameworks]  # the chapter lists every page
    for f in kb.frameworks:
        pages = _pages_of(framework_pages, f.id)
        assert f.title in _section(pages[0], f"framework-{f.id}").find("h1").get_text(), f.id
        for item in f.items:
            page = _on_one_of(pages, f"item-{item.id}")
            item_section = _section(page, f"item-{item.id}")
            assert item_section.find_parent("section").find("h1") is not None, item.id  # under the page's title
            text = item_section.get_text(" ")
            assert item.name in item_section.find("h2").get_text()
            assert item.locator in text
            assert _case_links(item_section) == set(links[item.id]), item.id
            assert ("Evidence gap" in text) == (not links[item.id]), item.id
    for case_id in {c for cases in links.values() for c in cases}:
        assert (built_book / "cases" / f"{case_id}.html").exists()


def _navigation(page) -> list[str]:
    """The entries of the site navigation (the left sidebar), as the reader sees them."""
    nav = page.select_one("nav.bd-docs-nav")
    assert nav is not None
    return [" ".join(a.get_text(" ").split()) for a in nav.select("a")]


@pytest.mark.build
def test_framework_checklist_and_dataset_headings_are_in_on_this_page(kb, frameworks_page, framework_pages, checklist_page, built_book):
    navigation = _navigation(frameworks_page)
    for f in kb.frameworks:
        assert any(entry.startswith(f.title) for entry in navigation), f.title  # its page(s), under the chapter
        for item in f.items:
            page = _on_one_of(_pages_of(framework_pages, f.id), f"item-{item.id}")
            assert any(entry.endswith(item.name) for entry in _page_contents(page)), item.name
    contents = _page_contents(checklist_page)
    for theme in kb.checklist.themes:
        assert theme.name in contents
        assert all(area.name in contents for area in theme.areas), theme.id
    from evidencebook.records.datasets import load_package

    dictionary = BeautifulSoup((built_book / "chapters" / "data-dictionary.html").read_text(encoding="utf-8"), "html.parser")
    navigation = _navigation(dictionary)
    for res in load_package(ROOT).resources:
        assert res.get("title", res["name"]) in navigation  # each table's page, under the chapter
        path = built_book / "chapters" / "data-dictionary" / f"{res['name']}.html"
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert _section(page, f"dataset-{res['name']}").find("h1") is not None
        assert _page_contents(page) == ["File and source", "Fields"]


@pytest.mark.build
def test_frameworks_chapter_has_the_cross_framework_view(kb, frameworks_page):
    assert frameworks_page.find(id="figure-framework-overlap") is not None
    agreement = frameworks_page.select_one("table.kb-agreement")
    assert _case_links(agreement) == set(fw.agreement_frame(kb)["case_id"])
    gaps_text = frameworks_page.find(id="evidence-gaps").get_text(" ")
    for name in fw.gaps(kb)["item"]:
        assert name in gaps_text


@pytest.mark.build
def test_checklist_page_is_a_plain_list_of_every_item_with_locator_and_evidence(
    kb, checklist_page, framework_pages
):
    marker = checklist_page.select_one('[data-kb-module="checklist"]')
    assert marker is not None and marker.select_one(".kb-checklist-tools").has_attr("hidden")  # needs JavaScript
    assert checklist_page.find("script", src=re.compile(r"_vendor/checklist\.js"))
    root = marker.find_parent("section")  # the script's scope: the section holding the checklist
    items = root.select("li.kb-checklist-item")
    expected = [i for t in kb.checklist.themes for a in t.areas for i in a.items]
    assert [li["data-item-id"] for li in items] == [i.id for i in expected]
    for li, item in zip(items, expected, strict=True):
        assert item.locator in li.get_text(" ")
        fieldset = li.find("fieldset")
        assert fieldset.find("legend").get_text().strip()
        assert [r["value"] for r in fieldset.select("input[type=radio]")] == [s for s, _ in fw.STATUSES]
        assert all(r.find_parent("label") for r in fieldset.select("input[type=radio]"))
    cases = fw.checklist_cases(kb)
    for theme in kb.checklist.themes:
        for area in theme.areas:
            block = root.select_one(f'[data-area-id="{area.id}"]')
            assert block["data-theme-id"] == theme.id
            assert [li["data-item-id"] for li in block.select("li.kb-checklist-item")] == [i.id for i in area.items]
            evidence = root.find(id=f"evidence-{area.id}")
            assert _case_links(evidence) == {row.case_id for row in cases[area.id]}
            linked = [a["href"] for a in evidence.select('a[href^="frameworks/"]')]
            framework_of = {item.id: f.id for f in kb.frameworks for item in f.items}
            assert [h.split("#")[1] for h in linked] == [f"item-{i}" for i in area.framework_items], area.id
            for href, item_id in zip(linked, area.framework_items, strict=True):  # each on its framework's page
                page, anchor = href.removeprefix("frameworks/").split(".html#")
                assert page.split("-page-")[0] == framework_of[item_id]
                assert framework_pages[page].find(id=anchor) is not None


@pytest.mark.build
def test_a_link_to_a_framework_item_the_book_does_not_have_fails_the_strict_build(tmp_path):
    """The checklist links each area to framework items by label: in a book whose pages do not define
    them (here, no frameworks chapter), the strict build stops and names the missing target."""
    book = make_book(tmp_path / "book")
    (book / "chapters" / "checklist-only.md").write_text(
        f"# Checklist only\n\n## The checklist\n\n```{{include}} ../{GENERATED_DIR}/checklist.md\n```\n", encoding="utf-8"
    )
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "  - file: chapters/checklist-only\n", encoding="utf-8")
    result = run_build(book)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "item-stcog-area-supporting-transformation" in output, output[-3000:]
