"""Controlled vocabularies (data/vocabularies/*.yml) and framework items (data/frameworks/*.yml)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict


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


def load_vocabularies(data_dir: Path) -> dict[str, Vocabulary]:
    """The vocabularies in data/vocabularies (see read_vocabularies), without their problems."""
    return read_vocabularies(data_dir.parent)[0]


def read_vocabularies(root: Path) -> tuple[dict[str, Vocabulary], list]:
    """Every vocabulary a record field names, and every problem in data/vocabularies. A vocabulary
    that is missing or has a problem is present but empty and not `usable`: records are not checked
    against it (its own problem is reported instead of one per record), and the build refuses to run."""
    from . import rules
    from .kb import folder_files  # kb imports this module
    from .rules.vocabulary import VocabularyInput
    from .schema import VOCABULARY_NAMES, VocabularyFile
    from .validate import Problem, validate_data_file

    folder = root / "data" / "vocabularies"
    paths, problems = folder_files(root, folder, ("a vocabulary", "vocabularies"))
    vocabularies: dict[str, Vocabulary] = {}
    checked = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        model, found, loaded = validate_data_file(path, rel, VocabularyFile)
        problems += found
        checked.append((path, rel, model, loaded))
    # Which file holds a vocabulary must not depend on the order files are read in: <name>.yml if it exists.
    declared_by = {path.stem: rel for path, rel, _, _ in checked}  # a broken themes.yml is not also "missing"
    for path, rel, model, loaded in checked:
        if model is None:
            continue
        name = model.vocabulary
        owner = declared_by.setdefault(name, rel)
        if owner != rel:
            problems.append(
                Problem(rel, loaded.line_of(("vocabulary",)), "vocabulary", f"{name!r} is also declared by {owner}", "a vocabulary is one file: move any new terms into that file and delete this one")
            )
            continue
        found = rules.run("vocabulary", VocabularyInput(path, rel, model, loaded))
        problems += found
        if not found:
            terms = [Term(**t.model_dump(exclude_none=True)) for t in model.terms]
            vocabularies[name] = Vocabulary(name, model.title, model.description, terms, path)
    for name in VOCABULARY_NAMES:
        if name in vocabularies:
            continue
        if name not in declared_by:
            problems.append(
                Problem(f"data/vocabularies/{name}.yml", 1, "(file)", f"is missing: record fields take their values from the {name} vocabulary", f"restore the file (git checkout -- data/vocabularies/{name}.yml), or write it with `vocabulary: {name}`, a title, a description and its terms")
            )
        vocabularies[name] = Vocabulary(name, name, "", [], None, usable=False)
    vocabularies["framework_items"] = Vocabulary("framework_items", "Framework items", "Items of the frameworks in data/frameworks.", [])
    return vocabularies, problems


def framework_items_vocabulary(frameworks) -> Vocabulary:
    """Every item of every framework, as the vocabulary that records' `illustrates` lists draw on."""
    terms = [
        Term(id=item.id, label=item.name, definition=item.definition, framework=fw.id, framework_title=fw.title)
        for fw in frameworks
        for item in fw.items
    ]
    return Vocabulary("framework_items", "Framework items", "Items of the frameworks in data/frameworks.", terms)
