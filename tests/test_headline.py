"""The headline cards (publish/headline.py): every number on them counted again from the records
themselves, each card's link filtering the comparison view to the figures it counts, and hostile
vocabulary labels and titles published as text."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest

from evidencebook.chapters.generated import HEADLINE_ROOTS, part_texts
from evidencebook.publish.headline import headline_cards, headline_cards_html, strongest_share
from evidencebook.records.kb import load_knowledge_base

from .conftest import ROOT, knowledge_root
from .test_output_escaping import LIVE_HTML, RAW_BLOCK
from .unusual_book import apply_cases


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(ROOT)


def measured_by_domain(kb) -> dict[str, list]:
    """(record, outcome) pairs of measured figures, by domain, straight from the records."""
    found: dict[str, list] = {}
    for record in kb.records.values():
        for outcome in record.outcomes:
            if outcome.kind == "measured":
                found.setdefault(outcome.domain, []).append((record, outcome))
    return found


def test_every_number_on_a_card_is_the_records_own_count(kb):
    cards, unmeasured = headline_cards(kb)
    measured = measured_by_domain(kb)
    rank = {t.id: t.rank for t in kb.vocab("evidence_types").terms}
    assert {c.domain_id for c in cards} == set(measured), "a card for each domain measured, and only those"
    assert unmeasured == [t.label for t in kb.vocab("outcome_domains").terms if t.id not in measured]
    for card in cards:
        pairs = measured[card.domain_id]
        case_ids = {r.id for r, _ in pairs}
        assert card.cases == len(case_ids) and card.figures == len(pairs), card.domain_id
        directions = Counter(o.direction for _, o in pairs)
        assert {d: n for d, _, n in card.directions} == {d: directions.get(d, 0) for d in ("increase", "decrease", "no change")}
        assert card.no_direction == directions.get(None, 0)
        assert sum(n for _, _, n in card.directions) + card.no_direction == card.figures
        best = min(rank[kb.records[i].evidence.type] for i in case_ids)
        assert rank[card.strongest_id] == best
        assert card.strongest_cases == sum(1 for i in case_ids if rank[kb.records[i].evidence.type] == best)
    assert [c.cases for c in cards] == sorted((c.cases for c in cards), reverse=True), "most case studies first"
    hospital = next(c for c in cards if c.domain_id == "hospital-use")
    assert hospital.cases > 1 and hospital.strongest_id == "controlled-comparison"  # the book's own records


def test_a_card_says_how_many_of_its_case_studies_have_the_strongest_evidence(kb):
    card = headline_cards(kb)[0][0]
    assert strongest_share(dataclasses.replace(card, cases=15, strongest_cases=4)) == "in 4 of the 15"
    assert strongest_share(dataclasses.replace(card, cases=3, strongest_cases=3)) == "in all 3"
    assert strongest_share(dataclasses.replace(card, cases=1, strongest_cases=1)) == ""


def test_each_card_links_to_the_comparison_view_filtered_to_its_figures(kb):
    cards, _ = headline_cards(kb)
    for name, root in HEADLINE_ROOTS.items():
        html = str(headline_cards_html(kb, root))
        links = re.findall(r'<a class="kb-headline-link" href="([^"]+)">', html)
        assert len(links) == len(cards) == html.count('<li class="kb-headline-card"'), name
        for card, link in zip(cards, links, strict=True):
            address = urlparse(link.replace("&amp;", "&"))
            assert address.path == f"{root}cases/outcomes.html"
            assert parse_qs(address.query) == {"domain": [card.domain_id], "kind": ["measured"], "sort": ["evidence"]}
    part = part_texts(kb)["home-headlines"]
    assert [m["html"] for m in RAW_BLOCK.finditer(part)], "the part is one raw HTML block"


def test_hostile_labels_stay_text_on_the_cards(tmp_path):
    root = knowledge_root(tmp_path, sorted((ROOT / "case_studies").glob("[!_]*.yml")))
    apply_cases(root)
    kb = load_knowledge_base(root)
    assert kb.problems == [], kb.problems[:5]
    html = str(headline_cards_html(kb, ""))
    # A hostile domain definition is on the card as text; LIVE_HTML would also match its escaped words.
    escaped = "&lt;iframe src=javascript:window.__pwned=7&gt;"
    assert escaped in html
    assert LIVE_HTML.findall(html.replace(escaped, "")) == []
    assert "Hospital use&#34; onmouseover=&#34;window.__pwned=4&#34;" in html
