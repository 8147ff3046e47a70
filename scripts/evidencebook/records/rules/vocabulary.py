"""Rules for the vocabularies in data/vocabularies/: the terms records may use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..problems import Problem, id_problem
from ..schema import ID_PATTERN, UNIT_ID_PATTERN
from ..yamlsafe import LoadedYaml
from .registry import rule


@dataclass(frozen=True)
class VocabularyInput:
    """Scope "vocabulary": one vocabulary file that passed its schema (a VocabularyFile)."""

    path: Path
    rel: str
    model: Any
    loaded: LoadedYaml

    @property
    def is_units(self) -> bool:
        return self.model.vocabulary == "units"

    def term_problem(self, i: int, field: str, message: str, fix: str) -> Problem:
        return Problem(self.rel, self.loaded.line_of(("terms", i, field)), f"terms[{i}].{field}", message, fix)


@rule("vocabulary-name-matches-file", "vocabulary", "A vocabulary file is named after the vocabulary it declares.")
def vocabulary_name_matches_file(vocab: VocabularyInput):
    name = vocab.model.vocabulary
    if vocab.path.stem != name:
        yield Problem(vocab.rel, vocab.loaded.line_of(("vocabulary",)), "vocabulary", f"is {name!r} but the file is {vocab.path.name}", f"make them the same: rename the file to {name}.yml")


@rule("term-id-form", "vocabulary", "A term id is a slug, as records write it (except units: see unit-id-form).")
def term_id_form(vocab: VocabularyInput):
    if vocab.is_units:
        return
    for i, term in enumerate(vocab.model.terms):
        if not re.fullmatch(ID_PATTERN, term.id):
            yield vocab.term_problem(i, "id", *id_problem(term.id, "a valid term id"))


@rule("unit-id-form", "vocabulary", "A unit id is ASCII words separated by single spaces, without 'per' (records add 'per ...').")
def unit_id_form(vocab: VocabularyInput):
    if not vocab.is_units:
        return
    for i, term in enumerate(vocab.model.terms):
        if not re.fullmatch(UNIT_ID_PATTERN, term.id):
            yield vocab.term_problem(i, "id", f"{term.id!r} is not a unit id", "use ASCII letters and digits, words separated by single spaces (e.g. GBP, bed days), without 'per'")
        elif "per" in term.id.split():
            yield vocab.term_problem(i, "id", f"{term.id!r} contains 'per'", "records write 'per ...' after the unit: list only the unit itself")


@rule("term-id-unique", "vocabulary", "A vocabulary defines each term id once.")
def term_id_unique(vocab: VocabularyInput):
    first_line: dict[str, int] = {}
    for i, term in enumerate(vocab.model.terms):
        line = vocab.loaded.line_of(("terms", i, "id"))
        if term.id in first_line:
            yield vocab.term_problem(i, "id", f"{term.id!r} is defined twice (first on line {first_line[term.id]})", "term ids are unique: merge the two terms or rename one")
        first_line.setdefault(term.id, line)


@rule("term-rank-unique", "vocabulary", "No two terms of a vocabulary share a rank.")
def term_rank_unique(vocab: VocabularyInput):
    ranked: dict[int, str] = {}
    for i, term in enumerate(vocab.model.terms):
        if term.rank is None:
            continue
        if term.rank in ranked:
            yield vocab.term_problem(i, "rank", f"{term.rank} is also the rank of {ranked[term.rank]!r}", "ranks are unique: number the terms 1, 2, 3... in order")
        ranked.setdefault(term.rank, term.id)


@rule("evidence-type-ranked", "vocabulary", "Every evidence type has a rank, so evidence is ordered strongest first.")
def evidence_type_ranked(vocab: VocabularyInput):
    if vocab.model.vocabulary != "evidence_types":
        return
    for i, term in enumerate(vocab.model.terms):
        if term.rank is None:  # reported at the term, since the rank has no line of its own
            yield Problem(vocab.rel, vocab.loaded.line_of(("terms", i, "id")), f"terms[{i}].rank", "is missing: evidence types are ordered strongest first by rank", f"add `rank:` under {term.id!r}, a whole number (1 is the strongest design)")
