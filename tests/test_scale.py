"""The chapters at scale: above MARKS_PER_CHART marks a chart counts groups and links to the filtered
catalogue; above LISTING_LIMIT rows a listing gives way to true totals and links; inside cells and items
a few names are shown, then "and N more". No Sphinx build: the chapter functions are called directly on
the real knowledge base, cloned to more than a thousand records (or with a lowered limit)."""

from __future__ import annotations

import dataclasses
import html
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from evidencebook.chapters.charts import MARKS_PER_CHART, labels
from evidencebook.chapters.evidence import evidence_chart, strongest_cases, strongest_cases_html
from evidencebook.chapters.gapmap import gap_map, gap_map_html
from evidencebook.chapters.outcomes import kind_chart, outcome_frame
from evidencebook.chapters.places import NO_REGION, case_places, places_chart, region_lists_html
from evidencebook.chapters.reading import (
    chapter_citations,
    citing_cases,
    reading_entries,
    reading_list_page,
    work_anchor,
)
from evidencebook.chapters.tables import (
    CASES_EXPORT,
    NAMES_PER_CELL,
    names_per_cell,
)
from evidencebook.publish.catalogue import CATALOGUE_URL, catalogue_index, catalogue_url
from evidencebook.records.book import read_book
from evidencebook.records.kb import KnowledgeBase

from .conftest import ROOT

CASE_PAGE = re.compile(r'href="\.\./cases/(?!index\.html)[^"]+"')
SUBPAGE_CASE_PAGE = re.compile(r'href="\.\./\.\./cases/(?!index\.html)[^"]+"')  # from a chapter's own page
MORE = re.compile(r'<a class="kb-more" href="([^"]+)">and ([\d,]+) more</a>')
COPIES = 13  # 111 real records x 13 = 1,443 (1,092 in England): past every limit


@pytest.fixture(scope="module")
def big(real_kb: KnowledgeBase) -> KnowledgeBase:
    """The real records, each cloned COPIES times under new ids."""
    records = {}
    for i in range(COPIES):
        for rid, record in real_kb.records.items():
            new_id = rid if i == 0 else f"{rid}-copy-{i}"
            records[new_id] = record if i == 0 else record.model_copy(update={"id": new_id})
    assert len(records) > MARKS_PER_CHART
    return dataclasses.replace(real_kb, records=dict(sorted(records.items())))


@pytest.fixture(scope="module")
def facet_ids(big: KnowledgeBase) -> dict[str, set[str]]:
    """The values the catalogue page can select, facet by facet (its own index)."""
    index, _ = catalogue_index(big)
    return {f["key"]: {v[0] for v in f["values"]} for f in index["facets"]}


def assert_catalogue_link(href: str, facet_ids: dict[str, set[str]], in_html: bool = True) -> dict[str, str]:
    """`href` (as written in HTML, or a chart's raw value) opens the catalogue with filters it can apply:
    known facets, values it lists."""
    url = urlsplit(html.unescape(href) if in_html else href)
    assert url.path == CATALOGUE_URL, href
    params = dict(parse_qsl(url.query))
    for key, value in params.items():
        assert key in facet_ids, f"{href}: {key} is not a catalogue facet"
        assert value in facet_ids[key], f"{href}: the catalogue has no {key} {value}"
    return params


def chart_marks(fig) -> list[dict]:
    """The rows the chart draws, from its Vega-Lite spec (what the browser gets)."""
    (rows,) = fig.specs["wide"]["datasets"].values()
    assert fig.specs["narrow"]["datasets"] == fig.specs["wide"]["datasets"]  # both layouts draw the same marks
    return rows


# --- charts ---------------------------------------------------------------------------------------


def test_charts_at_todays_size_draw_one_linked_segment_per_case_study(real_kb):
    outcomes = outcome_frame(real_kb)
    fig = kind_chart(real_kb, outcomes, "domain", "Domain", labels(real_kb, "outcome_domains"), "t", "Chart.")
    assert all(re.fullmatch(r"\.\./cases/[a-z0-9-]+\.html", m["url"]) for m in chart_marks(fig))
    assert "Each segment is one case study" in fig.description
    fig = evidence_chart(real_kb)
    assert len(chart_marks(fig)) == len(real_kb.records)


@pytest.mark.parametrize(
    "group, vocabulary",
    [("kind", "outcome_kinds"), ("domain", "outcome_domains"), ("models", "models"), ("level", "levels")],
)
def test_outcome_charts_above_the_limit_count_groups_linked_to_the_filtered_catalogue(
    big, facet_ids, group, vocabulary
):
    outcomes = outcome_frame(big)
    fig = kind_chart(big, outcomes, group, group, labels(big, vocabulary), "t", "Chart.")
    marks = chart_marks(fig)
    assert len(marks) <= len(labels(big, vocabulary)) * len(labels(big, "outcome_kinds"))
    # Every outcome is still counted (an outcome of a case study with two models counts under each).
    exploded = outcomes.explode(group) if group == "models" else outcomes
    assert sum(m["outcomes"] for m in marks) == len(exploded)
    true_cases = exploded.groupby([group, "kind"])["case_id"].nunique()
    for mark in marks:
        params = assert_catalogue_link(mark["url"], facet_ids, in_html=False)
        kind_id = params["kind"]
        assert big.vocab("outcome_kinds").label(kind_id) == mark["kind"]
        if group != "kind":
            assert big.vocab(vocabulary).label(params[{"models": "model"}.get(group, group)]) == mark[group]
        assert mark["case studies"] == true_cases[(mark[group], mark["kind"])]
        assert f"outcome kind {mark['kind']}" in mark["opens"]
    assert "too many case studies to draw one by one" in fig.description
    assert "open the catalogue" in fig.description


def test_evidence_chart_above_the_limit_has_one_bar_per_type_with_the_true_count(big, facet_ids):
    marks = chart_marks(evidence_chart(big))
    counts = Counter(r.evidence.type for r in big.records.values())
    assert len(marks) == len(counts)
    for mark in marks:
        params = assert_catalogue_link(mark["url"], facet_ids, in_html=False)
        assert mark["case studies"] == counts[params["evidence"]]
    assert sum(m["case studies"] for m in marks) == len(big.records)


def test_places_charts_above_the_limit_link_each_region_and_level_to_the_catalogue(big, facet_ids):
    places = case_places(big)
    fig = places_chart(big, places, "country", "Country", list(places["country"].unique()), "t", "Chart.")
    marks = chart_marks(fig)
    assert sum(m["case studies"] for m in marks) == len(big.records)
    assert len(marks) <= places["country"].nunique() * places["level"].nunique()
    for mark in marks:
        params = assert_catalogue_link(mark["url"], facet_ids, in_html=False)
        assert set(params) == {"country", "level"}
    england = places[places["country_id"] == "england"]
    regions = labels(big, "regions") + [NO_REGION]
    marks = chart_marks(places_chart(big, england, "region", "Region", regions, "t", "Chart."))
    assert sum(m["case studies"] for m in marks) == len(england)
    for mark in marks:
        params = assert_catalogue_link(mark["url"], facet_ids, in_html=False)
        assert params["country"] == "england"
        in_region = england[england["region"] == mark["region"]]
        assert ("region" in params) == (mark["region"] != NO_REGION)
        assert mark["case studies"] == int((in_region["level_id"] == params["level"]).sum())


def test_catalogue_url_refuses_a_filter_the_catalogue_does_not_have():
    assert catalogue_url({"level": "place"}) == f"{CATALOGUE_URL}?level=place"
    with pytest.raises(ValueError, match="not catalogue facets: colour"):
        catalogue_url({"colour": "red"})


# --- listings -------------------------------------------------------------------------------------


def summary_rows(page: str) -> list[tuple[str, str, int]]:
    """(href, label, count) of each row of a too-many summary's counts table."""
    return [
        (href, label, int(count.replace(",", "")))
        for href, label, count in re.findall(
            r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>([\d,]+)</td>', page
        )
    ]


def test_strongest_cases_above_the_limit_count_them_by_evidence_type(real_kb, facet_ids):
    strong = strongest_cases(real_kb)
    assert len(CASE_PAGE.findall(strongest_cases_html(real_kb, strong))) == len(strong)
    page = strongest_cases_html(real_kb, strong, limit=1)
    assert f"{len(strong)} case studies: too many to list on this page" in page and CASES_EXPORT in page
    rows = summary_rows(page)
    assert sum(n for _, _, n in rows) == len(strong)
    for href, _, n in rows:
        assert n == int((strong["evidence_id"] == assert_catalogue_link(href, facet_ids)["evidence"]).sum())


# --- names inside cells and items -----------------------------------------------------------------


def test_names_per_cell_lists_all_until_the_page_would_name_too_many():
    assert names_per_cell([5, 0, 7], limit=12) is None
    assert names_per_cell([5, 0, 8], limit=12) == 6  # two filled cells share the page's 12 names
    assert names_per_cell([5000] * 10, limit=1000) == NAMES_PER_CELL
    assert names_per_cell([50] * 5000, limit=1000) == 1


def test_gap_map_cells_above_the_limit_name_a_few_and_link_the_rest(big, facet_ids):
    cells = gap_map(big)
    page = gap_map_html(big, cells, read_book(ROOT))
    cap = names_per_cell(list(cells["case studies"]))
    assert cap is not None and cap <= NAMES_PER_CELL
    for cell in cells.to_dict("records"):
        td = re.search(
            rf'<td class="kb-egm-(?:cell|gap)" id="{cell["anchor"]}">(.*?)</td>', page, re.S
        ).group(1)
        count = cell["case studies"]
        if not count:
            assert "suggest a case study" in td
            continue
        assert len(CASE_PAGE.findall(td)) == min(count, cap)
        assert f">{count} <span" in td  # the true total stays in the cell's summary
        more = MORE.findall(td)
        if count > cap:
            ((href, n),) = more
            assert int(n.replace(",", "")) == count - cap
            assert assert_catalogue_link(href, facet_ids) == {
                "theme": cell["theme_id"],
                "domain": cell["domain_id"],
            }
        else:
            assert more == []


def test_region_lists_above_the_limit_name_a_few_with_the_true_totals(big, facet_ids):
    england = case_places(big).query("country_id == 'england'")
    page = region_lists_html(big, limit=100)
    cap = names_per_cell([len(england)], limit=100)
    sections = re.findall(
        r'<section class="kb-region-list" id="region-([^"]+)"><h3>[^<]*: (\d+)</h3>(.*?)</section>',
        page,
        re.S,
    )
    assert sum(int(n) for _, n, _ in sections) == len(england)
    for region, n, body in sections:
        n = int(n)
        assert len(CASE_PAGE.findall(body)) == min(n, cap)
        if n > cap:
            ((href, more),) = MORE.findall(body)
            assert int(more) == n - cap
            params = assert_catalogue_link(href, facet_ids)
            assert params == (
                {"country": "england", "region": region} if region != "none" else {"country": "england"}
            )
    assert len(CASE_PAGE.findall(region_lists_html(big, limit=len(england)))) == len(england)


@pytest.mark.slow  # about 8 s: reads the reading list of a book of 1,200 records
def test_reading_list_above_the_limit_names_a_few_citing_case_studies_and_counts_the_rest(big, facet_ids):
    chapters = chapter_citations(ROOT)
    page = reading_list_page(big, chapters)
    entries = reading_entries(big, chapters)
    cap = names_per_cell([len(e.cases) for e in entries])
    assert cap is not None
    as_source = {s.key for r in big.records.values() for s in r.sources}
    cited = citing_cases(big)
    for entry in entries:
        block = page.split(f"{{#{work_anchor(entry.key)} .reading-citation}}", 1)[1].split("\n- ", 1)[0]
        n = len(cited.get(entry.key, []))
        if not n:
            continue
        assert f"Cited by {n} case stud" in block  # the true total
        assert block.count("{case}`") == min(n, cap)
        if n <= cap:
            assert "more" not in block
        elif entry.key in as_source:
            ((href, more),) = MORE.findall(block)
            assert int(more.replace(",", "")) == n - cap
            assert assert_catalogue_link(href, facet_ids) == {"source": entry.key}
        else:
            assert f"and {n - cap:,} more, not listed here" in block
    assert reading_list_page(big, chapters).count("{case}`") < 1000 + len(entries)


def test_framework_lists_above_the_limit_show_a_few_case_studies_and_count_the_rest(big):
    from evidencebook.chapters import frameworks as fw
    from evidencebook.chapters import frameworks_page as page_parts
    from evidencebook.chapters.checklist_page import checklist_part

    found = fw.illustrations(big)
    cap = names_per_cell([len(rows) for rows in found.values()])
    assert cap is not None
    page = "\n".join(p.text for p in page_parts.framework_subpages(big))  # a page a framework
    for item_id, rows in found.items():
        section = re.search(rf"^\(item-{item_id}\)=\n(.*?)(?=^\((?:item|framework)-|\Z)", page, re.S | re.M).group(1)
        assert len(SUBPAGE_CASE_PAGE.findall(section)) == min(len(rows), cap)
        if rows:
            assert f"<caption>{len(rows):,} case stud" in section  # the true total
        if len(rows) > cap:
            n_more = len(rows) - cap
            assert (
                f"And {n_more:,} more case stud{'y' if n_more == 1 else 'ies'}, {fw.NOT_LISTED}." in section
            )
    agreeing = len(fw.agreement_frame(big))
    table = page_parts.agreement_html(big, limit=5)
    assert len(CASE_PAGE.findall(table)) == 5 and f"And {agreeing - 5:,} more case studies" in table
    assert f"<caption>{agreeing:,} case studies" in table
    areas = fw.checklist_cases(big)
    cap = names_per_cell([len(rows) for rows in areas.values()])
    checklist = checklist_part(big)
    for area_id, rows in areas.items():
        evidence = re.search(
            rf'<details class="kb-checklist-evidence" id="evidence-{area_id}">(.*?)</details>',
            checklist,
            re.S,
        ).group(1)
        assert f"({len(rows)})</summary>" in evidence
        assert len(CASE_PAGE.findall(evidence)) == min(len(rows), cap if cap is not None else len(rows))


def test_summary_names_a_few_compared_case_studies_above_the_limit_and_links_the_rest(real_kb):
    from evidencebook.chapters.findings import COMPARISON_TYPES, comparison_case_links, with_comparison

    assert comparison_case_links(real_kb).count("{case}`") == len(with_comparison(real_kb))
    compared = [real_kb.records[i] for i in with_comparison(real_kb)]
    copies = 1001 // len(compared) + 1
    records = {
        f"{r.id}-copy-{n}": r.model_copy(update={"id": f"{r.id}-copy-{n}"})
        for n in range(copies)
        for r in compared
    }
    text = comparison_case_links(dataclasses.replace(real_kb, records=records))
    assert text.count("{case}`") == NAMES_PER_CELL
    ((href, more),) = MORE.findall(text)
    assert int(more.replace(",", "")) == len(records) - NAMES_PER_CELL
    url = urlsplit(html.unescape(href))
    assert url.path == CATALOGUE_URL
    assert dict(parse_qsl(url.query)) == {"evidence": ",".join(COMPARISON_TYPES)}
    assert set(COMPARISON_TYPES) <= set(real_kb.vocab("evidence_types").ids())
