"""Generated pages: what a reader sees on a case-study page and in the catalogue, and that record text
can never become markup."""

from __future__ import annotations

import pytest
import yaml

from evidencebook.publish.render import PageWriter, generate_pages, list_pages
from evidencebook.publish.text import format_figure, md_escape, summary_html
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root


@pytest.fixture
def kb(tmp_path):
    knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    kb = load_knowledge_base(tmp_path)
    assert kb.ok, kb.problems
    return kb


def test_case_page_shows_facts_outcomes_and_sources(kb):
    page = PageWriter(kb).case_page(kb.records["sample-case"])
    assert "orphan: true" in page
    assert "# Sample town joint discharge team" in page
    e = md_escape
    assert f":Place: {e('Sampletown, North West, England')}" in page
    assert ":Level: Place" in page
    assert f":Model: {e('Integrated commissioning')}, {e('Pooled budget')}" in page
    assert ":Period: 2014–2016" in page
    assert ":Status: Ended" in page, "a reader sees whether the work was planned, running or over"
    assert ":Record: `case_studies/sample-case.yml`" in page  # its id, for contributors and for search
    assert "{.evidence-badge .evidence-before-and-after}" in page
    # outcomes with figure, kind, comparison, period and the outcome's own source, each cell labelled
    # with its column (a phone shows the label beside the value)
    assert '<td data-label="Figure"><span>15–20% (decrease)</span></td>' in page
    assert "about £2.5 million per year" in page and '<span class="outcome-kind kind-modelled-estimate">Modelled estimate</span>' in page
    assert "<em>no figure</em>" in page and "<strong>Note:</strong> The source reports a fall without giving a figure.</td>" in page
    # the source briefly, with the full reference on demand
    short = "Place-Based Health Commission (2016), Get well soon"
    assert f'<summary>{short}</summary>Case study 99. <span class="kb-citation">Place-Based Health Commission. Get well soon: reimagining' in page
    assert page.count('<tbody class="kb-outcome"><tr><td data-label="Measure">') == 3 and page.count('<tr class="kb-outcome-note">') == 1
    assert "## Sources" in page and e("Case study 99, p. 1") in page


def test_case_page_says_a_planned_service_is_planned_and_an_unknown_status_is_not_known(kb):
    record = kb.records["sample-case"]
    writer = PageWriter(kb)
    assert ":Status: Planned" in writer.case_page(record.model_copy(update={"status": "planned"}))
    assert ":Status: Not known" in writer.case_page(record.model_copy(update={"status": "not-known"}))


def test_catalogue_links_the_a_to_z_list_which_links_every_record(kb):
    writer = PageWriter(kb)
    catalogue = writer.catalogue_page()
    assert "holds 1 case study." in catalogue and "1 case studies" not in catalogue
    assert 'data-kb-module="catalogue"' in catalogue and "../data/catalogue-index.json" in catalogue
    assert "[All 1 case study](list/1.md)" in catalogue
    listing = writer.list_page(list_pages(kb)[0], (None, None))
    assert "orphan: true" in listing
    assert f"[{md_escape('Sample town joint discharge team')}](../sample-case.md)" in listing


def test_case_and_list_pages_lead_home_and_back_to_the_catalogue_from_their_own_folder(kb):
    from evidencebook.publish.furniture import list_page_titles, page_furniture

    titles = list_page_titles(kb)
    assert titles == {"cases/list/1": "All 1 case study"}
    record = kb.records["sample-case"]
    kb.records["sample-case"] = record.model_copy(update={"title": "<script>alert(1)</script> & co"})
    above, below = page_furniture(kb, "cases/sample-case", titles)
    assert above.startswith('<nav class="kb-breadcrumb" aria-label="Breadcrumb">')
    assert '<a href="../index.html">Home</a>' in above  # cases/<id>.html is one folder down
    assert '<a href="../cases/index.html">Case studies</a>' in above
    assert '<li aria-current="page">&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</li>' in above
    assert below == '<p class="kb-back"><a href="../cases/index.html">Back to the catalogue</a></p>'
    above, below = page_furniture(kb, "cases/list/1", titles)  # two folders down
    assert '<a href="../../cases/index.html">Case studies</a>' in above and "All 1 case study" in above
    assert below == ""
    for other in ("index", "cases/index", "chapters/glossary", "cases/no-such-case"):
        assert page_furniture(kb, other, titles) == ("", ""), other
    # Kept out of the pages' source, so out of the search index: "Home" would match every case page.
    assert "kb-breadcrumb" not in PageWriter(kb).case_page(record)


def add_record(kb, case_id: str, title: str) -> None:
    other = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    other.update(id=case_id, title=title)
    (kb.root / "case_studies" / f"{case_id}.yml").write_text(yaml.safe_dump(other, sort_keys=False))


def test_a_long_list_is_paged_by_title_so_a_new_record_changes_only_its_own_page(kb, monkeypatch):
    import evidencebook.publish.render as render

    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 2)
    add_record(kb, "another-case", "Another case")
    add_record(kb, "second-case", "'Second' case")  # leading punctuation does not count
    generate_pages(load_knowledge_base(kb.root))
    lists = kb.root / "cases" / "list"
    assert sorted(p.name for p in lists.glob("*.md")) == ["a.md", "s.md"]
    catalogue = (kb.root / "cases" / "index.md").read_text()
    assert "](list/a.md)" in catalogue and "](list/s.md)" in catalogue
    assert "(../another-case.md)" in (lists / "a.md").read_text()
    s_page = (lists / "s.md").read_text()
    assert s_page.index("(../sample-case.md)") < s_page.index("(../second-case.md)")  # A to Z by title
    assert "Previous: [A](a.md)" in s_page

    add_record(kb, "amber-case", "Amber case")  # before every other title: all would shift by position
    rendered = []
    list_page = render.PageWriter.list_page
    monkeypatch.setattr(render.PageWriter, "list_page", lambda self, page, near: rendered.append(page.name) or list_page(self, page, near))
    result = generate_pages(load_knowledge_base(kb.root))
    assert set(result["changed"]) == {"cases/amber-case", "cases/index", "cases/list/a"}
    assert (lists / "s.md").read_text() == s_page
    assert rendered == ["a"], "a list page whose records and neighbours are unchanged is not rendered again"
    (lists / "s.md").write_text("edited by hand")
    assert generate_pages(load_knowledge_base(kb.root))["changed"] == ["cases/list/s"]
    assert (lists / "s.md").read_text() == s_page

    add_record(kb, "sunny-case", "Sunny case")  # a third title under S: that page splits by the next letter
    result = generate_pages(load_knowledge_base(kb.root))
    assert "cases/list/s" in result["removed"] and not (lists / "s.md").exists()
    assert sorted(p.name for p in lists.glob("*.md")) == ["a.md", "sa.md", "se.md", "su.md"]
    assert f"# {md_escape('Case studies: Se')}" in (lists / "se.md").read_text()
    entry = md_escape("1 case study, 'Second' case")
    assert f"- [Se](list/se.md): {entry}" in (kb.root / "cases" / "index.md").read_text()


def test_pages_are_written_only_when_changed_and_removed_with_their_record(kb):
    first = generate_pages(kb)
    assert set(first["changed"]) == {"cases/sample-case", "cases/index", "cases/list/1"}
    assert generate_pages(kb) == {"changed": [], "removed": []}
    stray = kb.root / "cases" / "deleted-case.md"
    stray.write_text("old")
    assert generate_pages(kb)["removed"] == ["cases/deleted-case"]
    assert not stray.exists()


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "{raw}`<b>x</b>`",
        "```{include} /etc/passwd\n```",
        "[click](javascript:alert(1))",
        "$\\alpha$ and {{ sub }}",
        "# heading | pipe | ![img](http://evil.example/x.png)",
    ],
)
def test_record_text_is_escaped_so_nothing_is_interpreted(hostile):
    escaped = md_escape(hostile)
    for ch in "<>{}`[]()$|#!*_":
        assert ch not in escaped.replace("\\" + ch, ""), f"{ch!r} left unescaped in {escaped!r}"
    assert "\n" not in escaped


def test_summary_markdown_is_rendered_without_html_images_or_unsafe_links():
    html = summary_html(
        "Some *emphasis* and a [good link](https://example.org).\n\n<script>alert(1)</script>\n\n"
        "[bad](javascript:alert(1)) ![img](https://evil.example/x.png)\n\n# Heading"
    )
    assert "<em>emphasis</em>" in html
    assert 'href="https://example.org"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert "<img" not in html and "<h1" not in html


@pytest.mark.parametrize(
    "args, expected",
    [
        ((15, None, "percent"), "15%"),
        ((15, 20, "percent"), "15–20%"),
        ((2.5, None, "GBP", "million", "about"), "about £2.5 million"),
        ((4, None, "GBP per GBP 1 invested"), "£4 per £1 invested"),
        ((1200, None, "people", None, "more than"), "more than 1,200 people"),
        ((3.2, None, "percentage points"), "3.2 percentage points"),
        ((None, None, "percent"), ""),
    ],
)
def test_figures_keep_unit_range_scale_and_hedge(args, expected):
    assert format_figure(*args) == expected


def test_an_edit_to_a_record_changes_its_page(kb):
    generate_pages(kb)
    path = kb.root / "case_studies" / "sample-case.yml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "A renamed case"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = generate_pages(load_knowledge_base(kb.root))
    # The catalogue page itself does not list records, so only the A-Z list changes with the title.
    assert set(result["changed"]) == {"cases/sample-case", "cases/list/1"}
    assert "# A renamed case" in (kb.root / "cases" / "sample-case.md").read_text()


def test_a_page_script_comes_after_the_shared_scripts_it_needs_and_each_exists():
    from evidencebook.sphinx.extension import MENU_SCRIPT, SEARCH_SCRIPT, SHARED_SCRIPTS, STATIC, page_modules

    body = '<div data-kb-module="outcomes"></div><div data-kb-module="catalogue"></div><p data-kb-module="checklist"></p>'
    assert page_modules(body) == ["kb-dom", "outcomes", "catalogue", "checklist"]
    named = {name for needs in SHARED_SCRIPTS.values() for name in needs} | set(SHARED_SCRIPTS)
    assert all((STATIC / "js" / f"{name}.js").is_file() for name in named)
    assert (STATIC / "js" / SEARCH_SCRIPT).is_file() and (STATIC / "js" / MENU_SCRIPT).is_file()
