"""Reading data/vocabularies: every file validated, every vocabulary a record field names present."""

from __future__ import annotations

from pathlib import Path

from . import rules
from .files import folder_files
from .rules.vocabulary import VocabularyInput
from .schema import VOCABULARY_NAMES, VocabularyFile
from .validate import Problem, validate_data_file
from .vocab import Term, Vocabulary


def load_vocabularies(data_dir: Path) -> dict[str, Vocabulary]:
    """The vocabularies in data/vocabularies (see read_vocabularies), without their problems."""
    return read_vocabularies(data_dir.parent)[0]


def read_vocabularies(root: Path) -> tuple[dict[str, Vocabulary], list]:
    """Every vocabulary a record field names, and every problem in data/vocabularies. A vocabulary
    that is missing or has a problem is present but empty and not `usable`: records are not checked
    against it (its own problem is reported instead of one per record), and the build refuses to run."""
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
