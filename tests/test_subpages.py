"""Chapters split into pages of their own (chapters/subpages.py, outcome_pages.py, frameworks_page.py,
publish/datadictionary.py): every row is on exactly one page of its group, no page holds more than
ROWS_PER_PAGE, the number of pages follows the vocabularies and data (bounded, as they are in the
navigation), and the folders hold only what is generated. No Sphinx build."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl

import pandas as pd
import pytest

from evidencebook.chapters import SUBPAGE_CHAPTERS
from evidencebook.chapters import outcome_pages as op
from evidencebook.chapters.generated import generate_chapter_parts, subpage_lists
from evidencebook.chapters.subpages import MARK, SubPage, chunks, continued_name, page_name, write_subpages
from evidencebook.publish.compare import comparison_frame
from evidencebook.records.datasets import load_package
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT, knowledge_root

TABLE_ROWS = re.compile(r"<tbody>(.*?)</tbody>", re.S)


@pytest.fixture(scope="module")
def pages(real_kb) -> dict[str, list[SubPage]]:
    return subpage_lists(real_kb)


def rows_on(page: SubPage) -> int:
    """Outcome rows in the page's tables."""
    return sum(body.count("<tr>") for body in TABLE_ROWS.findall(page.text))


# --- the splitting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, per_page, max_pages, sizes, more", [
    (0, 10, 3, [0], 0),
    (10, 10, 3, [10], 0),
    (11, 10, 3, [10, 1], 0),
    (30, 10, 3, [10, 10, 10], 0),
    (35, 10, 3, [10, 10, 10], 5),
])
def test_a_group_is_cut_into_pages_in_order_and_what_does_not_fit_is_counted(rows, per_page, max_pages, sizes, more):
    frame = pd.DataFrame({"n": range(rows)})
    parts = chunks(frame, per_page, max_pages)
    assert [len(c.rows) for c in parts] == sizes
    assert [c.number for c in parts] == list(range(1, len(sizes) + 1)) and {c.pages for c in parts} == {len(sizes)}
    assert [c.more for c in parts] == [0] * (len(sizes) - 1) + [more]
    listed = [n for c in parts for n in c.rows["n"]]
    assert listed == list(range(rows - more))  # in order, none twice


def test_page_names_are_the_ids_and_never_a_path_or_each_other():
    assert page_name("north-west", 2, "place") == "north-west"
    assert page_name("../etc", 7, "place") == "place-7" and page_name("A B", 1, "domain") == "domain-1"
    assert continued_name("london", 1) == "london" and continued_name("london", 3) == "london-page-3"
    with pytest.raises(ValueError):
        chunks(pd.DataFrame(), 0, 1)


def test_every_outcome_is_on_exactly_one_page_of_its_place_and_one_of_its_domain(real_kb, pages):
    table = comparison_frame(real_kb)
    for chapter, groups, key in (("overview", op.place_groups(real_kb), "place_id"), ("outcomes", op.domain_groups(real_kb), "domain_id")):
        by_name = {p.name: p for p in pages[chapter]}
        assert sum(len(rows) for *_, rows in groups) == len(table)
        for group_id, name, _, rows in groups:
            assert set(rows[key]) == {group_id}
            group = [p for n, p in by_name.items() if n == name or n.startswith(f"{name}-page-")]
            assert sum(rows_on(p) for p in group) == len(rows), name
            assert all(rows_on(p) <= op.ROWS_PER_PAGE for p in group), name
            assert len(group) == -(-len(rows) // op.ROWS_PER_PAGE)  # as few pages as fit
        names = {name for _, name, _, _ in groups}
        assert all(re.sub(r"-page-\d+$", "", n) in names for n in by_name)  # no page without its group


def test_a_group_on_several_pages_links_them_in_order_and_its_last_page_links_to_all_of_it(real_kb, pages):
    names = [p.name for p in pages["overview"]]
    continued = [n for n in names if n.endswith("-page-2")]
    assert continued, "the real book has a place with more outcomes than one page holds"
    first = continued[0].removesuffix("-page-2")
    texts = {p.name: p.text for p in pages["overview"]}
    assert "[Next page](" + continued[0] + ".md)" in texts[first]
    assert "[Previous page](" + first + ".md)" in texts[continued[0]]
    last = max((n for n in names if n.startswith(first + "-page-")), key=lambda n: int(n.rsplit("-", 1)[1]))
    link = re.search(r'href="\.\./\.\./cases/outcomes\.html\?([^"]+)"', texts[last])
    assert link and dict(parse_qsl(link.group(1))) == {"place": first}
    assert "../../data/outcomes.csv" in texts[last] and "../../cases/outcomes.html" not in texts[first]


def test_the_outcomes_pages_keep_each_kind_in_its_own_table(real_kb, pages):
    kinds = [t.id for t in real_kb.vocab("outcome_kinds").terms]
    table = comparison_frame(real_kb)
    expected = Counter(zip(table["domain_id"], table["kind_id"], strict=True))
    listed: Counter = Counter()
    for page in pages["outcomes"]:
        domain = re.sub(r"-page-\d+$", "", page.name)
        found = re.findall(r'kb-kind-([a-z-]+)">(.*?)</table>', page.text, re.S)
        assert [k for k, _ in found] == sorted((k for k, _ in found), key=kinds.index)
        for kind, body in found:
            listed[(domain, kind)] += body.count("<tr>") - 1
    assert listed == expected


def test_sources_are_listed_once_a_page_and_each_row_links_to_its_own(pages):
    for page in pages["overview"] + pages["outcomes"]:
        numbers = re.findall(r'<li id="kb-source-(\d+)"', page.text)
        assert numbers == [str(i) for i in range(1, len(numbers) + 1)], page.name
        assert set(re.findall(r'href="#kb-source-(\d+)"', page.text)) == set(numbers), page.name


def test_the_chapters_split_at_scale_stay_bounded(real_kb, monkeypatch):
    """However many outcomes, a place or domain has at most MAX_PAGES pages, and says how many it leaves out."""
    monkeypatch.setattr(op, "ROWS_PER_PAGE", 3)
    monkeypatch.setattr(op, "MAX_PAGES", 2)
    for chapter, groups in (("overview", op.place_groups(real_kb)), ("outcomes", op.domain_groups(real_kb))):
        made = op.overview_subpages(real_kb) if chapter == "overview" else op.outcomes_subpages(real_kb)
        assert len(made) <= 2 * len(groups)
        for _, name, _, rows in groups:
            group = [p for p in made if p.name == name or p.name.startswith(f"{name}-page-")]
            assert sum(rows_on(p) for p in group) == min(len(rows), 6)
            if len(rows) > 6:
                assert f"{len(rows) - 6:,} more outcome" in group[-1].text, name


def test_frameworks_and_datasets_get_a_page_each(real_kb, pages):
    from evidencebook.chapters.frameworks_page import ROWS_PER_PAGE

    assert [p.name for p in pages["frameworks"] if "-page-" not in p.name] == [f.id for f in real_kb.frameworks]
    for framework in real_kb.frameworks:
        own = [p for p in pages["frameworks"] if p.name == framework.id or p.name.startswith(f"{framework.id}-page-")]
        assert own[0].text.startswith(f"(framework-{framework.id})=\n# ")
        labels = [label for p in own for label in re.findall(r"^\(item-([^)]+)\)=\n## ", p.text, flags=re.M)]
        assert labels == [item.id for item in framework.items]  # every item once, in order, on one of its pages
        for page in own:
            assert 'href="../cases/' not in page.text  # the pages are one folder further down
            items = len(re.findall(r"^## ", page.text, flags=re.M))
            listed = page.text.count('href="../../cases/')
            assert items == 1 or items + listed <= ROWS_PER_PAGE, page.name  # only an item alone may pass the budget
    assert any("-page-2" in p.name for p in pages["frameworks"]), "the real book has a framework on two pages"
    package = load_package(ROOT)
    assert [p.name for p in pages["data-dictionary"]] == [res["name"] for res in package.resources]
    # the book's own exports: a page per CSV file, the lookup tables and the database, whatever the data
    vocabularies = [f"lookups-{name.replace('_', '-')}" for name in sorted(real_kb.vocabularies) if name != "framework_items"]
    assert [p.name for p in pages["exports"]] == ["case-studies", "outcomes", "lessons", "lookups", *vocabularies, "database", "database-frameworks"]


# --- the files ------------------------------------------------------------------------------------------


def test_the_pages_are_written_and_stale_ones_removed_only_where_the_chapter_is(tmp_path):
    root = knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    (root / "chapters").mkdir()
    for chapter in SUBPAGE_CHAPTERS:
        (root / "chapters" / f"{chapter}.md").write_text("# A chapter\n", encoding="utf-8")
    stale = root / "chapters" / "overview" / "atlantis.md"
    stale.parent.mkdir()
    stale.write_text("old", encoding="utf-8")
    kb = load_knowledge_base(root)
    written = generate_chapter_parts(kb)
    made = subpage_lists(kb)
    for chapter, pages in made.items():
        files = sorted(p.stem for p in (root / "chapters" / chapter).glob("*.md"))
        assert files == sorted(p.name for p in pages) and files, chapter
        assert all((root / "chapters" / chapter / f"{p.name}.md").read_text(encoding="utf-8").startswith(f"---\norphan: true\n---\n{MARK}\n") for p in pages)
    assert not stale.exists()
    assert {p.docname for pages in made.values() for p in pages} <= set(written)
    assert generate_chapter_parts(kb) == []  # nothing changed: nothing written, so Sphinx re-reads nothing
    (root / "chapters" / "frameworks.md").unlink()  # a book without the chapter has none of its pages
    assert write_subpages(kb, "frameworks", made["frameworks"])["removed"]
    assert list((root / "chapters" / "frameworks").glob("*.md")) == []
    with pytest.raises(ValueError):
        write_subpages(kb, "glossary", [])
    with pytest.raises(ValueError):
        write_subpages(kb, "overview", [SubPage("overview", "x", "a"), SubPage("overview", "x", "b")])


def test_the_pages_links_leave_their_folder_the_right_way(pages):
    for chapter, made in pages.items():
        for page in made:
            hrefs = re.findall(r'href="([^"#]+)', page.text)
            assert all(h.startswith(("../../", "https://")) for h in hrefs), (page.docname, [h for h in hrefs if not h.startswith(("../../", "https://"))][:3])
            for target in re.findall(r"\]\(([^)#]+\.md)\)", page.text):  # MyST links: a sibling or the chapter
                assert target == f"../{chapter}.md" or re.fullmatch(r"[a-z0-9-]+\.md", target), (page.docname, target)
