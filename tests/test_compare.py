"""The outcomes comparison (publish/compare.py): its data file holds every outcome once, under its own
case study; its pages without JavaScript list them all; hostile values stay text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evidencebook.publish import compare, frames
from evidencebook.publish.export import check_exports, write_exports
from evidencebook.publish.render import PageWriter
from evidencebook.publish.text import shown_text
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT, knowledge_root
from .test_hostile import ACCEPTED, HOSTILE
from .test_output_escaping import LIVE_HTML, LIVE_MYST, RAW_BLOCK
from .unusual_book import apply_cases


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(FIXTURES.parent.parent)


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    """The real records and the accepted hostile ones, with the hostile vocabulary labels and titles."""
    records = sorted((ROOT / "case_studies").glob("[!_]*.yml")) + [HOSTILE / name for name in ACCEPTED]
    root = knowledge_root(tmp_path_factory.mktemp("hostile-compare"), records)
    apply_cases(root)
    kb = load_knowledge_base(root)
    assert kb.problems == [], kb.problems[:5]
    return kb


def keyed_rows(index: dict) -> dict[tuple[str, int], list]:
    """The index's outcomes by (case id, outcome number), checking that no key comes twice."""
    keys = [(index["cases"][o[0]][0], o[-1]) for o in index["outcomes"]]
    assert len(keys) == len(set(keys)), "an outcome is in the index twice"
    return dict(zip(keys, index["outcomes"], strict=True))


def test_every_outcome_is_in_the_index_once_with_its_own_case_study(kb):
    index = compare.outcomes_index(kb, "cases/{id}.html")
    rows = keyed_rows(index)
    assert set(rows) == {(r.id, n) for r in kb.records.values() for n in range(1, len(r.outcomes) + 1)}
    assert index["count"] == len(rows) > 100
    facets = {f["key"]: f["values"] for f in index["facets"]}
    v = kb.vocabularies
    for (case_id, number), row in rows.items():
        record, outcome = kb.records[case_id], kb.records[case_id].outcomes[number - 1]
        case = index["cases"][row[0]]
        assert (case[0], case[1]) == (record.id, record.title)
        assert row[1] == outcome.metric and row[3] == (outcome.direction or "")
        assert facets["kind"][row[4]][0] == outcome.kind and facets["domain"][row[5]][0] == outcome.domain
        assert (row[6], row[7]) == (outcome.comparison or "", outcome.period or "")
        assert index["locators"][row[9]] == (outcome.source or record.sources[0]).locator
        assert facets["evidence"][case[3]][0] == record.evidence.type
        assert [facets["theme"][t][0] for t in case[4]] == list(record.themes)
        assert facets["place"][case[5]][0] == (record.place.region or record.place.country)
        assert case[2].startswith(record.place.name) and v["countries"].label(record.place.country) in case[2]
    # The strongest evidence first, as the filter lists it.
    ranks = [v["evidence_types"].by_id[term_id].rank for term_id, _ in facets["evidence"]]
    assert ranks == sorted(ranks)


def test_the_index_joins_by_key_whatever_the_order_of_the_frames(kb, monkeypatch):
    before = compare.outcomes_index(kb, "cases/{id}.html")
    expected = keyed_rows(before)
    case_frame, outcome_frame = frames.case_frame, frames.outcome_frame
    monkeypatch.setattr(frames, "case_frame", lambda kb: case_frame(kb).sample(frac=1, random_state=3))
    monkeypatch.setattr(frames, "outcome_frame", lambda kb: outcome_frame(kb).sample(frac=1, random_state=4))
    shuffled = compare.outcomes_index(kb, "cases/{id}.html")
    rows = keyed_rows(shuffled)
    assert set(rows) == set(expected)
    for key, row in rows.items():
        assert shuffled["cases"][row[0]] == before["cases"][expected[key][0]]
        assert row[1:] == expected[key][1:]


def test_figures_carry_a_number_in_their_unit_alone_so_only_like_is_set_beside_like(kb):
    index = compare.outcomes_index(kb, "cases/{id}.html")
    rows = keyed_rows(index)
    scaled = [(k, r) for k, r in rows.items() if kb.records[k[0]].outcomes[k[1] - 1].scale == "million"]
    assert scaled, "the records hold a figure in millions"
    for (case_id, number), row in scaled:
        outcome = kb.records[case_id].outcomes[number - 1]
        assert row[10] == pytest.approx(outcome.value * 1_000_000) and index["units"][row[11]] == outcome.unit
    without = [r for k, r in rows.items() if kb.records[k[0]].outcomes[k[1] - 1].value is None]
    assert without and all(r[10] is None and r[2] == "no figure" for r in without)


def test_the_pages_without_javascript_list_every_outcome_once_by_domain(kb):
    table = compare.comparison_frame(kb)
    pages = compare.domain_pages(kb, table)
    listed = pd.concat([p.rows for p in pages])
    assert sorted(zip(listed["case_id"], listed["outcome"], strict=True)) == sorted(zip(table["case_id"], table["outcome"], strict=True))
    assert len(listed) == len(table)
    for i, page in enumerate(pages):
        text = compare.domain_page(page, (pages[i - 1] if i else None, pages[i + 1] if i + 1 < len(pages) else None))
        html = "\n".join(m["html"] for m in RAW_BLOCK.finditer(text))
        assert html.count("<tr>") == len(page.rows) + 1  # the heading row and one per outcome
        assert 'class="kb-more"' not in html, "no domain of the real book is cut short"
    view = compare.comparison_page(kb, pages, len(table))
    assert 'data-kb-module="outcomes"' in view and "../data/outcomes-index.json" in view
    assert all(f"(outcomes/{p.name}.md)" in view for p in pages)
    assert "<tr" not in view, "the view page holds no rows: they load from the data file"


def test_a_domain_with_too_many_outcomes_lists_some_and_links_the_csv(kb, monkeypatch):
    monkeypatch.setattr(compare, "PAGE_ROWS", 5)
    page = max(compare.domain_pages(kb), key=lambda p: len(p.rows))
    text = compare.domain_page(page, (None, None))
    assert text.count("<tr>") == 5 + 1
    assert f"and {len(page.rows) - 5:,} more" in text and 'href="../../data/outcomes.csv"' in text


def test_each_case_page_links_the_comparison_filtered_to_it_and_its_domains(kb):
    record = max(kb.records.values(), key=lambda r: len({o.domain for o in r.outcomes}))
    page = PageWriter(kb).case_page(record)
    assert f'href="outcomes.html?case={record.id}"' in page
    for domain in {o.domain for o in record.outcomes}:
        assert f'href="outcomes.html?domain={domain}"' in page
    without = next(r for r in kb.records.values() if not r.outcomes)
    assert "outcomes.html?case=" not in PageWriter(kb).case_page(without)


def test_hostile_values_stay_text_in_the_pages_and_exact_in_the_index(hostile_kb):
    kb = hostile_kb
    table = compare.comparison_frame(kb)
    pages = compare.domain_pages(kb, table)
    texts = [compare.comparison_page(kb, pages, len(table))] + [compare.domain_page(p, (None, None)) for p in pages]
    for text in texts:
        blocks = [m["html"] for m in RAW_BLOCK.finditer(text)]
        assert blocks and all(LIVE_HTML.findall(block) == [] for block in blocks)
        assert LIVE_MYST.findall(RAW_BLOCK.sub("", text)) == []
    hospital = next(p for p in pages if "hospital" in p.name)
    html = compare.domain_page(hospital, (None, None))
    assert "&lt;script&gt;alert(&#34;metric&#34;)&lt;/script&gt;" in html
    assert "Hospital use&#34; onmouseover=&#34;window.__pwned=4&#34;" in html
    # JSON keeps the text exactly; the view writes it with textContent, never as HTML.
    index = compare.outcomes_index(kb, "cases/{id}.html")
    metrics = {r[1] for r in index["outcomes"]}
    assert kb.records["accepted-html-injection"].outcomes[0].metric in metrics
    labels = {label for f in index["facets"] for _, label in f["values"]}
    assert any("__pwned=4" in label for label in labels) and any("__pwned=5" in label for label in labels)
    assert shown_text(kb.records["accepted-html-injection"].title) in {c[1] for c in index["cases"]}


def test_the_written_index_is_checked_against_the_records(kb, tmp_path):
    write_exports(kb, tmp_path)
    assert check_exports(kb, tmp_path) == []
    path = tmp_path / "outcomes-index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    index["outcomes"] = index["outcomes"][1:] + index["outcomes"][:1] * 1
    index["outcomes"][-1] = index["outcomes"][-1][:-1] + [99]
    path.write_text(json.dumps(index), encoding="utf-8")
    assert any("outcomes-index.json" in p for p in check_exports(kb, tmp_path))


def test_a_record_cannot_take_the_comparisons_name(tmp_path):
    record = (FIXTURES / "sample-case.yml").read_text(encoding="utf-8").replace("id: sample-case", "id: outcomes")
    root = knowledge_root(tmp_path)
    (root / "case_studies" / "outcomes.yml").write_text(record, encoding="utf-8")
    problems = [str(p) for p in load_knowledge_base(root).problems]
    assert any("outcomes.yml" in p and "cases/outcomes.html" in p for p in problems), problems
