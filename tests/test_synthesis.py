"""The synthesis chapters: their numbers against the YAML records, their links, and regeneration.

The counts are checked against an independent reading of case_studies/*.yml with PyYAML, not
against the library's own frames. The regeneration test adds one record to a copy of the book and
checks that the counts, the gap-map cell and the lists it should change did change.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from evidencebook.chapters.evidence import evidence_profile, strength_summary
from evidencebook.chapters.gapmap import EFFECT_KINDS, gap_map, gap_map_html
from evidencebook.chapters.outcomes import kind_summary, outcome_frame, outcome_marks
from evidencebook.chapters.places import case_places, region_tiles
from evidencebook.records.book import read_book
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, make_book, run_build

CHAPTERS = ["outcomes", "evidence-gap-map", "evidence-strength", "places"]
CASE_LINK = re.compile(r'(?:xlink:)?href="\.\./cases/([a-z0-9-]+)\.html"')


def raw_records(root: Path) -> list[dict]:
    return [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((root / "case_studies").glob("[!_]*.yml"))
    ]


def vocabulary(root: Path, name: str) -> list[dict]:
    return yaml.safe_load((root / "data" / "vocabularies" / f"{name}.yml").read_text(encoding="utf-8"))[
        "terms"
    ]


@pytest.fixture(scope="module")
def kb(root: Path):
    knowledge_base = load_knowledge_base(root)
    assert knowledge_base.ok, knowledge_base.problems
    return knowledge_base


@pytest.fixture(scope="module")
def records(root: Path) -> list[dict]:
    return raw_records(root)


# --- the computations against the YAML files ------------------------------------------------------


def test_outcome_counts_by_kind_domain_and_model_match_the_yaml_files(kb, records, root):
    outcomes = outcome_frame(kb)
    every = [(r, o) for r in records for o in r.get("outcomes") or []]
    assert len(outcomes) == len(every) > 0

    summary = kind_summary(kb, outcomes).set_index("kind_id")
    kinds = Counter(o["kind"] for _, o in every)
    cases_per_kind = {k: len({r["id"] for r, o in every if o["kind"] == k}) for k in kinds}
    for term in vocabulary(root, "outcome_kinds"):
        assert summary.loc[term["id"], "outcomes"] == kinds.get(term["id"], 0), term["id"]
        assert summary.loc[term["id"], "case studies"] == cases_per_kind.get(term["id"], 0), term["id"]

    domain_label = {t["id"]: t["label"] for t in vocabulary(root, "outcome_domains")}
    marks = outcome_marks(outcomes, "domain").groupby("domain")["outcomes"].sum().to_dict()
    assert marks == dict(Counter(domain_label[o["domain"]] for _, o in every))

    model_label = {t["id"]: t["label"] for t in vocabulary(root, "models")}
    by_model = outcome_marks(outcomes, "models").groupby("models")["outcomes"].sum().to_dict()
    expected = Counter()
    for r in records:
        for m in r["model"]:
            expected[model_label[m]] += len(r.get("outcomes") or [])
    assert by_model == {k: v for k, v in expected.items() if v}


def test_every_chart_mark_belongs_to_one_case_study_and_links_to_it(kb):
    marks = outcome_marks(outcome_frame(kb), "evidence")
    titles = {r.title: r.id for r in kb.records.values()}
    assert len(marks) > 0
    for case, url in zip(marks["case"], marks["url"], strict=True):
        assert url == f"../cases/{titles[case]}.html"


def test_gap_map_cells_match_the_yaml_files(kb, records, root):
    themes, domains = vocabulary(root, "themes"), vocabulary(root, "outcome_domains")
    rank = {t["id"]: t["rank"] for t in vocabulary(root, "evidence_types")}
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in records:
        for o in r.get("outcomes") or []:
            if o["kind"] in ("measured", "reported-change", "modelled-estimate"):
                for theme in r["themes"]:
                    expected[(theme, o["domain"])].add(r["id"])
    evidence = {r["id"]: r["evidence"]["type"] for r in records}

    cells = gap_map(kb)
    assert len(cells) == len(themes) * len(domains), "every theme x domain cell is there, gaps included"
    for cell in cells.itertuples():
        ids = expected.get((cell.theme_id, cell.domain_id), set())
        assert set(cell.case_ids) == ids, (cell.theme_id, cell.domain_id)
        if ids:
            assert rank[cell.strongest_id] == min(rank[evidence[i]] for i in ids)
            assert [rank[evidence[i]] for i in cell.case_ids] == sorted(
                rank[evidence[i]] for i in cell.case_ids
            ), "strongest first"
        else:
            assert cell.strongest_id == ""
    assert (cells["case studies"] == 0).any(), "the real records leave gaps"
    assert set(EFFECT_KINDS) == {"measured", "reported-change", "modelled-estimate"}


def test_gap_map_table_links_every_case_and_invites_a_contribution_in_every_gap(kb, root):
    book = read_book(root)
    cells = gap_map(kb)
    table = gap_map_html(kb, cells, book)
    for cell in cells.itertuples():
        match = re.search(rf'<td class="(kb-egm-[a-z]+)" id="{cell.anchor}">(.*?)</td>', table, re.S)
        assert match, cell.anchor
        cls, content = match.groups()
        if cell.case_ids:
            assert cls == "kb-egm-cell"
            assert CASE_LINK.findall(content) == list(cell.case_ids)
        else:
            assert cls == "kb-egm-gap"
            assert html.escape(f"{cell.theme} and {cell.domain}") in content, "the link says which gap it is"
            # It opens the suggestion form on the configured repository, filled in with this gap.
            href = html.unescape(re.search(r'href="([^"]+)"', content).group(1))
            address = urlsplit(href)
            assert f"{address.scheme}://{address.netloc}{address.path}" == f"{book.repository}/issues/new"
            query = parse_qs(address.query)
            assert query["template"] == ["case-study.yml"] and query["themes"] == [cell.theme_id]
            assert query["title"] == [f"Case study: {cell.theme} (outcomes: {cell.domain})"]
            assert cell.domain in query["outcomes"][0]


def test_evidence_profile_and_places_match_the_yaml_files(kb, records, root):
    profile = evidence_profile(kb).set_index("evidence_id")
    by_type = Counter(r["evidence"]["type"] for r in records)
    kind_label = {t["id"]: t["label"] for t in vocabulary(root, "outcome_kinds")}
    for term in vocabulary(root, "evidence_types"):
        row = profile.loc[term["id"]]
        assert row["case studies"] == by_type.get(term["id"], 0)
        of_type = [o for r in records if r["evidence"]["type"] == term["id"] for o in r.get("outcomes") or []]
        assert row["outcomes"] == len(of_type)
        for kind_id, label in kind_label.items():
            assert row[label] == sum(o["kind"] == kind_id for o in of_type)
    assert list(profile["rank"]) == sorted(profile["rank"]), "strongest first"

    summary = strength_summary(kb)
    assert summary["cases"] == len(records)
    assert summary["descriptive"] == by_type["descriptive"]
    assert summary["without_outcomes"] == sum(not r.get("outcomes") for r in records)

    places = case_places(kb)
    assert places["country_id"].value_counts().to_dict() == dict(
        Counter(r["place"]["country"] for r in records)
    )
    tiles = region_tiles(kb).set_index("region_id")["case studies"].to_dict()
    english = Counter(r["place"].get("region") for r in records if r["place"]["country"] == "england")
    assert tiles == {region: english.get(region, 0) for region in tiles}
    assert len(tiles) == 9


# --- the built chapters ---------------------------------------------------------------------------


@pytest.mark.build
def test_every_case_link_in_the_chapters_resolves_and_every_anchor_exists(built_book: Path):
    for chapter in CHAPTERS:
        page = (built_book / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
        linked = set(CASE_LINK.findall(page))
        assert linked, f"{chapter} links to case studies"
        missing = [c for c in linked if not (built_book / "cases" / f"{c}.html").exists()]
        assert missing == [], chapter
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        anchors = set(re.findall(r'(?:xlink:)?href="#([^"]+)"', page))
        assert anchors - ids == set(), f"{chapter}: links to anchors that are not on the page"


@pytest.mark.build
def test_every_chart_in_the_chapters_has_description_csv_source_and_case_links(built_book: Path):
    for chapter in CHAPTERS:
        page = (built_book / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<figure class="kb-figure".*?</figure>', page, re.S)
        assert figures, chapter
        for fig in figures:
            assert re.search(r'class="kb-chart" role="img" aria-label="[^"]{20,}"', fig), chapter
            assert re.search(r'class="kb-csv" download="[^"]+" href="\.\./data/charts/[^"]+\.csv"', fig) and "Source:" in fig, chapter
            # The specs are a file the page points to, loaded only for the interactive chart.
            name, src = re.search(r'<script type="application/json" class="kb-chart-spec" data-kb-chart="([a-z0-9-]+)" data-src="([^"]+)"></script>', fig).groups()
            assert src == f"../data/charts/{name}.spec.js", chapter
            script = (built_book / "data" / "charts" / f"{name}.spec.js").read_text(encoding="ascii")
            prefix = f'(window.kbChartSpecs = window.kbChartSpecs || {{}})["{name}"] = '
            assert script.startswith(prefix) and script.endswith(";\n"), chapter
            layouts = json.loads(script[len(prefix) : -2])
            assert set(layouts) == {"wide", "narrow"}, chapter
            for spec in layouts.values():
                specs = spec.get("layer", [spec])
                assert any("href" in s.get("encoding", {}) for s in specs), f"{chapter}: chart marks link somewhere"
            assert 'xlink:href="http' not in fig, "static charts link inside the book"
            statics = re.findall(r'<div class="kb-chart-static kb-chart-(wide|narrow)">(<svg.*?</svg>)</div>', fig, re.S)
            assert [layout for layout, _ in statics] == ["wide", "narrow"], chapter
            for _, static in statics:
                # A picture inside role="img": no per-mark labels (they were half the page), links out of the tab order
                assert "aria-label" not in static and 'role="' not in static and re.search(r"\d\.\d{3}", "".join(re.findall(r' d="([^"]*)"', static))) is None
                assert static.count("<a ") == static.count('<a tabindex="-1" ') > 0, chapter


@pytest.mark.build
def test_outcome_tables_keep_each_kind_in_its_own_table(built_book: Path, records, root):
    """The outcomes chapter lists every outcome on its domain's page, in the table of its kind."""
    expected = Counter((o["domain"], o["kind"]) for r in records for o in r.get("outcomes") or [])
    listed: Counter = Counter()
    index = (built_book / "chapters" / "outcomes.html").read_text(encoding="utf-8")
    for page in sorted((built_book / "chapters" / "outcomes").glob("*.html")):
        domain = re.sub(r"-page-\d+$", "", page.stem)
        assert f'href="outcomes/{domain}.html"' in index, f"the chapter links to {domain}'s page"
        text = page.read_text(encoding="utf-8")
        for kind, table in re.findall(r'<table class="kb-table kb-compare-table kb-kind-([a-z0-9-]+)">(.*?)</table>', text, re.S):
            listed[(domain, kind)] += table.count("<tr>") - 1  # the heading row
    assert listed == expected
    assert {kind for _, kind in expected} <= {t["id"] for t in vocabulary(root, "outcome_kinds")}


# --- regeneration ---------------------------------------------------------------------------------

NEW_ID = "zz-regeneration-check"


def _new_record(theme: str, domain: str) -> dict:
    record = yaml.safe_load((FIXTURES / "sample-case.yml").read_text())
    record.update(
        id=NEW_ID,
        title="Regeneration check neighbourhood trial",
        place={"name": "Checktown", "country": "england", "region": "north-east"},
        level="neighbourhood",
        themes=[theme],
        evidence={"type": "randomised-trial", "appraisal": "A synthetic record for the regeneration test."},
    )
    record["outcomes"] = [
        {
            "metric": "A measured result in an empty cell",
            "value": 3,
            "unit": "percent",
            "kind": "measured",
            "domain": domain,
        },
        {
            "metric": "A modelled saving",
            "value": 1,
            "unit": "GBP",
            "scale": "million",
            "kind": "modelled-estimate",
            "domain": "costs-and-savings",
        },
    ]
    return record


@pytest.mark.build
def test_adding_a_record_changes_every_count_cell_and_list_it_should(
    tmp_path: Path, built_book: Path, kb, root
):
    cells = gap_map(kb)
    gap = cells[cells["case studies"] == 0].iloc[0]
    record = _new_record(gap["theme_id"], gap["domain_id"])
    chapters = ["outcomes", "evidence-gap-map", "evidence-strength", "places"]
    book = make_book(tmp_path / "book", with_real_records=True, chapters=chapters)
    (book / "case_studies" / f"{NEW_ID}.yml").write_text(
        yaml.safe_dump(record, sort_keys=False), encoding="utf-8"
    )
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    new_kb = load_knowledge_base(book)

    def pages(name: str) -> tuple[str, str]:
        old = (built_book / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        new = (book / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert f"../cases/{NEW_ID}.html" not in old
        return old, new

    # Outcomes: the totals and the kind tables change, and the new case is linked from charts and tables.
    old, new = pages("outcomes")
    before, after = outcome_frame(kb), outcome_frame(new_kb)
    assert len(after) == len(before) + 2
    caption = "{} outcomes from {} of {} case studies"
    assert caption.format(len(before), before["case_id"].nunique(), len(kb.records)) in old
    assert caption.format(len(after), after["case_id"].nunique(), len(new_kb.records)) in new
    assert new.count(f"../cases/{NEW_ID}.html") >= 4
    domain_pages = (book / "_build" / "html" / "chapters" / "outcomes").glob(f"{gap['domain_id']}*.html")
    assert any(f"../../cases/{NEW_ID}.html" in p.read_text(encoding="utf-8") for p in domain_pages), "listed on its domain's page"

    # Gap map: the empty cell is now filled with the new case study; the gap count falls by one.
    old, new = pages("evidence-gap-map")
    anchor = gap["anchor"]
    assert re.search(rf'<td class="kb-egm-gap" id="{anchor}">', old)
    filled = re.search(rf'<td class="kb-egm-cell" id="{anchor}">(.*?)</td>', new, re.S)
    assert filled and f'href="../cases/{NEW_ID}.html"' in filled.group(1)
    assert "Randomised trial" in filled.group(1), "the cell shows the strongest evidence"
    gaps_before = int((cells["case studies"] == 0).sum())
    assert f"{gaps_before} of {len(cells)} cells are empty" in html.unescape(old)
    assert f"{gaps_before - 1} of {len(cells)} cells are empty" in html.unescape(new)

    # Evidence strength: one more case study with a trial, listed among the strongest.
    old, new = pages("evidence-strength")
    strong_before = strength_summary(kb)["with_comparison"]
    assert f"{strong_before} case studies with a comparison group or trial" in old
    assert f"{strong_before + 1} case studies with a comparison group or trial" in new

    # Places: the region's count, tile and list change.
    old, new = pages("places")
    north_east = int(region_tiles(kb).set_index("region_id").loc["north-east", "case studies"])
    assert f"North East: {north_east}</h3>" in old and f"North East: {north_east + 1}</h3>" in new
    assert f"North East {north_east};" in html.unescape(
        old
    ) and f"North East {north_east + 1};" in html.unescape(new)
    section = re.search(r'<section class="kb-region-list" id="region-north-east">.*?</section>', new, re.S)
    assert section and f"../cases/{NEW_ID}.html" in section.group(0)


def test_overview_charts_count_the_yaml_files_and_keep_empty_levels(kb, records, root):
    from evidencebook.chapters import overview
    from evidencebook.publish.frames import case_frame

    cases = case_frame(kb)
    level_label = {t["id"]: t["label"] for t in vocabulary(root, "levels")}
    by_level = overview.cases_by_level_chart(kb, cases).data.set_index("level")["case studies"].to_dict()
    assert list(by_level) == list(level_label.values())  # vocabulary order, a level with no case study kept
    assert by_level == {label: sum(r["level"] == i for r in records) for i, label in level_label.items()}

    theme_label = {t["id"]: t["label"] for t in vocabulary(root, "themes")}
    by_theme = overview.cases_by_theme_chart(kb, cases).data.groupby("themes")["case studies"].sum().to_dict()
    assert by_theme == dict(Counter(theme_label[t] for r in records for t in r["themes"]))


def test_overview_counts_one_case_study_in_the_singular(kb):
    from evidencebook.chapters import overview
    from evidencebook.publish.frames import case_frame

    one = case_frame(kb).head(1)
    assert "the 1 case study by" in overview.cases_by_level_chart(kb, one).description
