"""Controlled vocabularies (data/vocabularies/*.yml) and framework items (data/frameworks/*.yml)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

# Term ids the chapters name in their code, to count, colour or group by (charts.KIND_COLOURS,
# gapmap.EFFECT_KINDS, findings.COMPARISON_TYPES, the places chapter's England, lessons' enabler and barrier): a vocabulary must keep
# them. Declared here so validation can say so; tests/test_layers.py checks the chapters name no others.
TERMS_THE_CHAPTERS_NAME = {
    "outcome_kinds": ("measured", "reported-change", "modelled-estimate", "target", "context"),
    "evidence_types": ("systematic-review", "randomised-trial", "controlled-comparison", "descriptive", "modelled-estimate"),
    "countries": ("england",),
    # What helps and what hinders sets a factor's enablers beside its barriers.
    "lesson_types": ("enabler", "barrier"),
}


class Term(BaseModel):
    """A vocabulary term as the library uses it, built from a validated schema.VocabularyTerm (or a
    framework item). Every optional attribute has its one default here; nothing reads them with `.get`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    definition: str
    aliases: tuple[str, ...] = ()
    rank: int | None = None  # order, 1 first; every evidence type has one (term_problems checks)
    currency: bool = False  # units: money needs its currency code
    population_min: float | None = None  # levels: the typical population's range
    population_max: float | None = None
    framework: str | None = None  # framework items: the framework's id and title
    framework_title: str | None = None
    factors: tuple[str, ...] = ()  # framework items: the factors (data/vocabularies/factors.yml) they are about


@dataclass
class Vocabulary:
    name: str
    title: str
    description: str
    terms: list[Term]
    path: Path | None = None
    usable: bool = True  # False for a vocabulary whose file is missing or has a problem (it has no terms)

    @cached_property
    def by_id(self) -> dict[str, Term]:
        return {t.id: t for t in self.terms}

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.by_id

    def label(self, term_id: str) -> str:
        term = self.by_id.get(term_id)
        return term.label if term else term_id

    def nearest(self, value: str) -> str | None:
        """The known term a mistaken value most likely meant, matching ids, labels and aliases."""
        if not isinstance(value, str):
            return None
        wanted = value.strip().lower()
        names: dict[str, str] = {}
        for term in self.terms:
            names[term.id.lower()] = term.id
            names[term.label.lower()] = term.id
            for alias in term.aliases:
                names[str(alias).lower()] = term.id
        if wanted in names:
            return names[wanted]
        slug = "-".join(wanted.replace("_", " ").split())
        if slug in names:
            return names[slug]
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None

    def ids(self) -> list[str]:
        return [t.id for t in self.terms]

    def ranked(self) -> list[Term]:
        """The terms by rank, 1 first (evidence types: strongest first); unranked terms after, in file order."""
        return sorted(self.terms, key=lambda t: (t.rank is None, t.rank or 0))


def framework_items_vocabulary(frameworks) -> Vocabulary:
    """Every item of every framework, as the vocabulary that records' `illustrates` lists draw on."""
    terms = [
        Term(id=item.id, label=item.name, definition=item.definition, framework=fw.id, framework_title=fw.title, factors=tuple(item.factors))
        for fw in frameworks
        for item in fw.items
    ]
    return Vocabulary("framework_items", "Framework items", "Items of the frameworks in data/frameworks.", terms)
