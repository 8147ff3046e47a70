"""Headline cards, in the manner of the EEF teaching and learning toolkit: one card per outcome domain
that some case study measured, saying how many case studies measured a change there, which way the
measured figures went, and the strongest evidence behind them. Each card opens the outcomes
comparison (cases/outcomes) filtered to that domain's measured figures, strongest evidence first, so
the reader sees exactly the figures the card counts.

The home page and the summary chapter include the cards from a part generated at build start
(chapters/generated.py); nothing on a card is typed by hand.

Directions are the records' own (`direction`: increase, decrease, no change, or none given). They say
which way a figure moved, not whether that was good: fewer emergency admissions is a decrease, and
so is a fall in wellbeing. The cards say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from ..records.kb import KnowledgeBase
from ..records.schema import COMPARE_PAGE
from . import frames
from .html import plural, render
from .render import CASES_DIR

MEASURED = "measured"  # the outcome kind the cards count (data/vocabularies/outcome_kinds.yml)
# The records' directions, in the order a card lists them, with the words it uses.
DIRECTIONS = (("decrease", "fell"), ("increase", "rose"), ("no change", "did not change"))


@dataclass(frozen=True)
class HeadlineCard:
    domain_id: str
    domain: str
    definition: str
    cases: int  # case studies with a measured figure in the domain
    figures: int  # their measured figures in the domain
    directions: tuple[tuple[str, str, int], ...]  # (direction, words, figures), every direction listed
    no_direction: int  # measured figures the records give no direction for
    strongest_id: str  # the strongest evidence type among those case studies
    strongest: str
    strongest_cases: int  # how many of them have it

    def query(self) -> str:
        """The comparison view's address parameters that show exactly this card's figures."""
        return urlencode({"domain": self.domain_id, "kind": MEASURED, "sort": "evidence"})


def headline_cards(kb: KnowledgeBase) -> tuple[list[HeadlineCard], list[str]]:
    """(a card per outcome domain with a measured figure, most case studies first and then in the
    vocabulary's order; the labels of the domains with none)."""
    table = frames.join_cases(frames.outcome_frame(kb), frames.case_frame(kb), ["evidence_id", "evidence", "evidence_rank"])
    measured = table[table["kind_id"] == MEASURED]
    cards, unmeasured = [], []
    for term in kb.vocab("outcome_domains").terms:
        rows = measured[measured["domain_id"] == term.id]
        if rows.empty:
            unmeasured.append(term.label)
            continue
        per_case = rows.drop_duplicates("case_id")
        best = per_case["evidence_rank"].min()
        strongest = per_case[per_case["evidence_rank"] == best]
        directions = tuple((d, words, int((rows["direction"] == d).sum())) for d, words in DIRECTIONS)
        cards.append(
            HeadlineCard(
                domain_id=term.id,
                domain=term.label,
                definition=term.definition,
                cases=len(per_case),
                figures=len(rows),
                directions=directions,
                no_direction=int((rows["direction"] == "").sum()),
                strongest_id=strongest["evidence_id"].iloc[0],
                strongest=strongest["evidence"].iloc[0],
                strongest_cases=len(strongest),
            )
        )
    order = {term.id: i for i, term in enumerate(kb.vocab("outcome_domains").terms)}
    cards.sort(key=lambda card: (-card.cases, order[card.domain_id]))
    return cards, unmeasured


def strongest_share(card: HeadlineCard) -> str:
    """How many of the card's case studies have its strongest evidence: "in 4 of the 15", "in all 3"."""
    if card.cases == 1:
        return ""
    return f"in all {card.cases}" if card.strongest_cases == card.cases else f"in {card.strongest_cases} of the {card.cases}"


def headline_cards_html(kb: KnowledgeBase, root: str) -> Markup:
    """The cards as HTML, for a page `root` away from the site's root ("" for the home page, "../" for
    a chapter)."""
    cards, unmeasured = headline_cards(kb)
    view = f"{root}{CASES_DIR}/{COMPARE_PAGE}.html"
    return render(
        "headline_cards.html",
        cards=[
            {
                "card": card,
                "href": f"{view}?{card.query()}",
                "cases": plural(card.cases, "case study", "case studies"),
                "figures": plural(card.figures, "measured result"),
                "strongest_of": strongest_share(card),
            }
            for card in cards
        ],
        unmeasured=unmeasured,
        view=view,
    )
