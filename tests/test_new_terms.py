"""Terms added to a vocabulary, and any data that passes validation, reach the chapters without breaking
them (#17): a new outcome kind gets its own section, colour and row; a new level, evidence type or
theme is shown like the others."""

from __future__ import annotations

import re

import pytest
import yaml

from evidencebook.chapters.charts import KIND_COLOURS, kind_colours, labels
from evidencebook.chapters.outcome_pages import outcomes_subpages
from evidencebook.chapters.outcomes import kind_chart, kind_summary, outcome_frame
from evidencebook.chapters.places import region_lists_html, region_tiles
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root
from .unusual_book import NEW_KIND, append, replace_once


def test_a_new_outcome_kind_gets_a_colour_of_its_own():
    known = list(KIND_COLOURS)
    colours = kind_colours([*known, "projected", "hoped-for"])
    assert colours[: len(known)] == [KIND_COLOURS[k] for k in known]
    assert len(set(colours)) == len(colours)


@pytest.fixture(scope="module")
def kb_with_new_kind(tmp_path_factory):
    root = knowledge_root(tmp_path_factory.mktemp("kind"), [FIXTURES / "sample-case.yml"])
    append(root / "data" / "vocabularies" / "outcome_kinds.yml", NEW_KIND)
    replace_once(root / "case_studies" / "sample-case.yml", "kind: modelled-estimate", "kind: projected")
    kb = load_knowledge_base(root)
    assert kb.ok, kb.problems
    return kb


def test_a_new_outcome_kind_is_listed_charted_and_counted_after_the_known_ones(kb_with_new_kind):
    kb = kb_with_new_kind
    outcomes = outcome_frame(kb)
    pages = {page.name: page.text for page in outcomes_subpages(kb)}  # one a domain, a section a kind
    order = [*KIND_COLOURS, "projected"]
    for text in pages.values():
        kinds = re.findall(r"^## \[[^\]]+\]\{\.outcome-kind \.kind-([a-z-]+)\}", text, flags=re.M)
        assert kinds and kinds == sorted(kinds, key=order.index)  # the known kinds first, in their order
    projected = pages["costs-and-savings"]
    assert "{.outcome-kind .kind-projected} 1 outcome\n" in projected and "Projected saving" in projected
    assert 'class="kb-table kb-compare-table kb-kind-projected"' in projected
    summary = kind_summary(kb, outcomes)
    assert summary.iloc[-1]["kind"] == "Projected" and summary.iloc[-1]["outcomes"] == 1
    chart = kind_chart(kb, outcomes, "kind", "Kind of figure", labels(kb, "outcome_kinds"), "kinds", "Kinds.")
    assert "Projected" in chart.svgs["wide"] and "Projected" in chart.svgs["narrow"]
    assert "Projected" in set(chart.data["kind"])


@pytest.mark.build
def test_the_whole_book_builds_with_new_terms_in_every_vocabulary_and_a_csv_saved_with_a_bom(unusual_site):
    """The whole book, built with new terms in four vocabularies used by two records and a CSV file
    saved with a byte-order mark (tests/unusual_book.py; the same build carries the hostile values)."""
    pages = unusual_site / "chapters"
    outcomes = (pages / "outcomes.html").read_text(encoding="utf-8")
    assert "Projected" in outcomes  # in the table of kinds, and as a section of its domain's page
    assert "kind-projected" in "".join(p.read_text(encoding="utf-8") for p in (pages / "outcomes").glob("*.html"))
    introduction = (pages / "introduction.html").read_text(encoding="utf-8")
    assert "County" in introduction and "600,000 to 1,500,000" in introduction
    assert "250,000 to 500,000 people" in introduction  # a population band from the CSV saved with a BOM
    assert "Case report" in (pages / "evidence-strength.html").read_text(encoding="utf-8")
    assert "Housing and health" in (pages / "evidence-gap-map.html").read_text(encoding="utf-8")


def test_a_region_added_to_the_vocabulary_lists_its_case_studies_though_the_map_has_no_tile_for_it(tmp_path):
    root = knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"])
    append(
        root / "data" / "vocabularies" / "regions.yml",
        '  - {id: scilly, label: Isles of Scilly, definition: "The isles."}\n',
    )
    replace_once(root / "case_studies" / "sample-case.yml", "region: north-west", "region: scilly")
    kb = load_knowledge_base(root)
    assert kb.ok, kb.problems
    assert "scilly" not in set(region_tiles(kb)["region_id"])  # the map shows the nine regions as they lie
    listed = region_lists_html(kb)
    assert 'id="region-scilly"' in listed and "Isles of Scilly" in listed
    assert (
        listed.index("Isles of Scilly")
        < listed.index(kb.records["sample-case"].title)
        < listed.index("region-none")
    )


def test_removing_a_term_the_chapters_count_by_is_refused(tmp_path):
    root = knowledge_root(tmp_path)
    path = root / "data" / "vocabularies" / "outcome_kinds.yml"
    vocabulary = yaml.safe_load(path.read_text(encoding="utf-8"))
    vocabulary["terms"] = [t for t in vocabulary["terms"] if t["id"] != "target"]
    path.write_text(yaml.safe_dump(vocabulary, sort_keys=False), encoding="utf-8")
    shown = [str(p) for p in load_knowledge_base(root).problems]
    assert (
        "data/vocabularies/outcome_kinds.yml:1: terms: has no term 'target', which the chapters count or colour "
        "by its id — keep the term (its label and definition may change); add new terms beside it"
    ) in shown, shown
