"""The knowledge base: every record validated against the schema, vocabularies and bibliography.

`load_knowledge_base(root)` is the single entry point used by the CLI, the Sphinx extension and the
chapters. It never raises on bad records: it returns the valid ones and a list of every problem.
Callers that publish (the build) refuse to go on when there is any problem, so an invalid record
never reaches the book and a valid one is never left out of it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import rules
from .bib import Bibliography, load_bibliography
from .editions import read_editions
from .filecache import FileCache, file_digest, files_digest, library_digest
from .files import find_root, folder_files  # noqa: F401 (find_root: the chapters' and tools' way in)
from .reference_schema import Checklist, Framework, GlossaryTerm, ReadingList
from .rules.data import ChecklistInput, DataInput, GlossaryInput
from .rules.editions import PublishedPages
from .rules.record import ID_LIST_FIELDS, ListedId, RecordEntry
from .schema import ID_PATTERN, CaseStudy
from .validate import PROJECT_FILES, RECORD_SUFFIXES, Problem, validate_data_file, validate_record_file
from .vocab import Vocabulary, framework_items_vocabulary
from .vocabularies import read_vocabularies


@dataclass
class KnowledgeBase:
    root: Path
    records: dict[str, CaseStudy]  # id -> record, sorted by id
    record_files: dict[str, Path]  # id -> file
    vocabularies: dict[str, Vocabulary]
    bibliography: Bibliography
    problems: list[Problem] = field(default_factory=list)
    frameworks: list[Framework] = field(default_factory=list)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    checklist: Checklist | None = None
    reading_list: ReadingList | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def vocab(self, name: str) -> Vocabulary:
        return self.vocabularies[name]

    @cached_property
    def input_digest(self) -> str:
        """A hash of every input a chapter may read: records, data, references and the library."""
        return digest_inputs(self.root)


def record_paths(case_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every record file, and a problem for anything else in case_studies/."""
    return folder_files(case_dir.parent, case_dir, ("a record", "records"), RECORD_SUFFIXES, PROJECT_FILES)


def load_knowledge_base(root: Path) -> KnowledgeBase:
    vocabularies, problems = read_vocabularies(root)
    bib = load_bibliography(root / "references.bib")
    problems += [Problem("references.bib", p.line, p.key or "(file)", p.message, p.fix) for p in bib.problems]
    frameworks, glossary, checklist, data_problems, reading_list = load_structured_data(root, bib, vocabularies)
    published_pages, edition_problems = read_editions(root)
    problems += data_problems + edition_problems
    from .datacheck import required_term_problems  # here: datasets imports this module

    problems += checked_data_package(root, bib) + required_term_problems(vocabularies)
    vocabularies["framework_items"] = framework_items_vocabulary(frameworks)
    paths, folder_problems = record_paths(root / "case_studies")
    problems += folder_problems
    entries: list[RecordEntry] = []
    cache = open_record_cache(root)
    for path in paths:
        rel = path.relative_to(root).as_posix()
        record, record_problems, id_lines = validate_cached(cache, path, rel, vocabularies, bib)
        problems += record_problems
        entries.append(RecordEntry(rel, path.stem, record, id_lines))
    cache.save()
    problems += rules.run("records", entries)
    problems += rules.run("published-pages", PublishedPages(published_pages, entries))
    records: dict[str, CaseStudy] = {}
    files: dict[str, Path] = {}
    for path, entry in zip(paths, entries, strict=True):
        if entry.stem in files:  # the first file with an id keeps it (id-unique reports the others)
            continue
        files[entry.stem] = path
        if entry.record is not None:
            records[entry.record.id] = entry.record
    bad_files = {p.file for p in problems}
    records = {
        rid: rec for rid, rec in sorted(records.items()) if f"case_studies/{files[rid].name}" not in bad_files
    }
    return KnowledgeBase(
        root,
        records,
        {rid: files[rid] for rid in records},
        vocabularies,
        bib,
        sorted(problems),
        frameworks,
        glossary,
        checklist,
        reading_list,
    )


# --- valid records kept between runs, keyed by their text -------------------------------------------

# What a record's validity depends on besides its own text: when any of it changes, the cache is dropped.
CONTEXT_GLOBS = ("data/vocabularies/*.yml", "data/frameworks/*.yml", "references.bib")


# What the data package's checks read: everything in data/, and the references its sources cite.
DATA_PACKAGE_GLOBS = ("data/**/*", "references.bib")


def checked_data_package(root: Path, bib) -> list[Problem]:
    """The data package's problems (datacheck.py). frictionless's checks take a second or two, so a
    package found valid is remembered while data/, references.bib and the library are unchanged; a
    package with problems is never remembered, so every problem is always found afresh."""
    from .datacheck import data_package_problems  # here: datasets imports this module

    cache = FileCache.open(root, "valid-data-package", digest_inputs(root, DATA_PACKAGE_GLOBS))
    if cache.get("data", "valid")[0]:
        return []
    problems = data_package_problems(root, bib)
    if not problems:
        cache.put("data", "valid", True)
        cache.save()
    return problems


def open_record_cache(root: Path) -> FileCache:
    return FileCache.open(root, "valid-records", digest_inputs(root, CONTEXT_GLOBS))


def validate_cached(
    cache: FileCache, path: Path, rel: str, vocabularies, bib
) -> tuple[CaseStudy | None, list[Problem], dict[str, list[ListedId]]]:
    """(record, problems, the ids its lists of ids give, by field). A record found valid
    before, with the same text, is not parsed again; only valid records are cached, so every problem
    is always found afresh."""
    digest = file_digest(path)
    hit, cached = cache.get(rel, digest)
    if hit:
        return cached[0], [], cached[1]
    result = validate_record_file(path, rel, vocabularies, bib)
    record = result.record
    id_lists = listed_ids(result.loaded)
    if record is not None and not result.problems:
        cache.put(rel, digest, (record, id_lists))
    else:
        cache.forget(rel)
    return record, result.problems, id_lists


def listed_ids(loaded) -> dict[str, list[ListedId]]:
    """The well-formed ids in a record file's lists of ids (ID_LIST_FIELDS), read from the file as written:
    a record with a problem elsewhere is checked against the others too, so one run reports everything."""
    data = loaded.data if loaded is not None and isinstance(loaded.data, dict) else {}
    found: dict[str, list[ListedId]] = {}
    for name in ID_LIST_FIELDS:
        values = data.get(name)
        found[name] = [
            ListedId(i, value, loaded.line_of((name, i)))
            for i, value in enumerate(values if isinstance(values, list) else [])
            if isinstance(value, str) and re.fullmatch(ID_PATTERN, value)
        ]
    return found


def load_structured_data(root: Path, bib: Bibliography, vocabularies: dict[str, Vocabulary] | None = None):
    """Frameworks, glossary terms and the checklist from data/, validated like records (their
    vocabulary-controlled fields against `vocabularies`, when given)."""
    problems: list[Problem] = []
    framework_paths, found = folder_files(root, root / "data" / "frameworks", ("a framework", "frameworks"))
    glossary_paths, more = folder_files(root, root / "data" / "glossary", ("a glossary term", "glossary terms"))
    problems += found + more
    specs = [
        ("frameworks", framework_paths, Framework),
        ("glossary", glossary_paths, GlossaryTerm),
        ("checklist", [p for p in [root / "data" / "integration-checklist.yml"] if p.exists()], Checklist),
        ("reading_list", [p for p in [root / "data" / "reading-list.yml"] if p.exists()], ReadingList),
    ]
    loaded: dict[str, list[DataInput]] = {}
    for name, paths, model in specs:
        loaded[name] = []
        for path in paths:
            rel = path.relative_to(root).as_posix()
            obj, found, yaml_doc = validate_data_file(path, rel, model)
            problems += found
            if obj is not None:
                data = DataInput(path, rel, obj, yaml_doc, bib, vocabularies)
                problems += rules.run("data-file", data)
                loaded[name].append(data)
    problems += rules.run("frameworks", loaded["frameworks"])
    framework_item_ids = {item.id for data in loaded["frameworks"] for item in data.obj.items}
    for data in loaded["checklist"]:
        problems += rules.run("checklist", ChecklistInput(data, framework_item_ids))
    problems += rules.run("glossary", GlossaryInput(loaded["glossary"], {path.stem for path in glossary_paths}))
    for data in loaded["reading_list"]:
        problems += rules.run("reading-list", data)
    frameworks = [data.obj for data in loaded["frameworks"]]
    glossary = [data.obj for data in loaded["glossary"]]
    checklist = loaded["checklist"][0].obj if loaded["checklist"] else None
    reading_list = loaded["reading_list"][0].obj if loaded["reading_list"] else None
    return frameworks, glossary, checklist, problems, reading_list


INPUT_GLOBS = (
    "case_studies/*.yml",
    "case_studies/*.yaml",
    "data/**/*",
    "references.bib",
)


def digest_inputs(root: Path, globs: tuple[str, ...] = INPUT_GLOBS, library: bool = True) -> str:
    """A digest of the files matching `globs` and (by default) of the library chapters run: the one it imports."""
    paths = [
        path
        for pattern in globs
        for path in sorted(root.glob(pattern))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return files_digest(root, paths, library_digest().encode() if library else b"")[:16]


_LOADED: dict[Path, tuple[str, KnowledgeBase]] = {}


def knowledge_base_for(root: Path, digest: str) -> KnowledgeBase:
    """The knowledge base for inputs with this digest, validated once per process: the build driver
    validates before Sphinx starts, and the Sphinx build it runs (also in a forked pass) reuses that."""
    root = root.resolve()
    loaded = _LOADED.get(root)
    if loaded is None or loaded[0] != digest:
        loaded = _LOADED[root] = (digest, load_knowledge_base(root))
    return loaded[1]


# --- a snapshot of the validated knowledge base, shared by the build and its chapter kernels ----------

SNAPSHOT = Path("_build") / ".evidencebook" / "knowledge-base.pickle"


def save_snapshot(kb: KnowledgeBase, digest: str) -> None:
    """Store the validated knowledge base so each chapter kernel need not validate every record again.
    Runs in the main process before any worker starts (and in the process that runs chapters ahead,
    sphinx/runahead.py, each writing its own temporary file); the `.digest` file beside it names the inputs and
    the snapshot's own bytes, so a damaged snapshot is written again rather than trusted."""
    path = kb.root / SNAPSHOT
    digest_file = path.with_suffix(".digest")
    try:
        if digest_file.read_text() == f"{digest} {_sha256_of(path)}":
            return  # already the snapshot of these inputs, intact
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    digest_file.unlink(missing_ok=True)  # written again only once the new snapshot is in place
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # the runner (sphinx/runahead.py) may save it at the same time
    with tmp.open("wb") as f:
        pickle.dump({"digest": digest, "kb": kb}, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    digest_file.write_text(f"{digest} {_sha256_of(path)}")


def _sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def load_validated(root: Path) -> KnowledgeBase:
    """The knowledge base: from the build's snapshot when no input changed since, else validated afresh."""
    path = root / SNAPSHOT
    if path.exists():
        try:
            with path.open("rb") as f:
                saved = pickle.load(f)
            if saved.get("digest") == digest_inputs(root) and Path(saved["kb"].root) == root:
                return saved["kb"]
        except Exception:  # a stale or unreadable snapshot is only a missed shortcut
            pass
    return load_knowledge_base(root)
