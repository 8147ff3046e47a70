"""Controlled vocabularies (data/vocabularies/*.yml) and framework items (data/frameworks/*.yml)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    definition: str
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Vocabulary:
    name: str
    title: str
    description: str
    terms: list[Term]
    path: Path | None = None

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
            for alias in term.extra.get("aliases", []) or []:
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


def load_vocabulary_file(path: Path) -> Vocabulary:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    terms = []
    for entry in raw["terms"]:
        entry = dict(entry)
        terms.append(Term(str(entry.pop("id")), str(entry.pop("label")), str(entry.pop("definition")), entry))
    return Vocabulary(raw["vocabulary"], raw.get("title", raw["vocabulary"]), raw.get("description", ""), terms, path)


def load_vocabularies(data_dir: Path) -> dict[str, Vocabulary]:
    """The vocabularies in data/vocabularies, plus an empty framework_items filled in by the knowledge base."""
    vocabularies = {}
    for path in sorted((data_dir / "vocabularies").glob("*.yml")):
        vocab = load_vocabulary_file(path)
        vocabularies[vocab.name] = vocab
    vocabularies["framework_items"] = Vocabulary("framework_items", "Framework items", "Items of the frameworks in data/frameworks.", [])
    return vocabularies


def framework_items_vocabulary(frameworks) -> Vocabulary:
    """Every item of every framework, as the vocabulary that records' `illustrates` lists draw on."""
    terms = [
        Term(item.id, item.name, item.definition, {"framework": fw.id, "framework_title": fw.title})
        for fw in frameworks
        for item in fw.items
    ]
    return Vocabulary("framework_items", "Framework items", "Items of the frameworks in data/frameworks.", terms)
