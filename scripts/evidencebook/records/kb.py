"""The knowledge base: every record validated against the schema, vocabularies and bibliography.

`load_knowledge_base(root)` is the single entry point used by the CLI, the Sphinx extension and the
chapters. It never raises on bad records: it returns the valid ones and a list of every problem.
Callers that publish (the build) refuse to go on when there is any problem, so an invalid record
never reaches the book and a valid one is never left out of it.
"""

from __future__ import annotations

import difflib
import hashlib
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from .bib import Bibliography, load_bibliography
from .filecache import FileCache, file_digest, library_digest
from .schema import (
    CHECKLIST_RESERVED_PREFIXES,
    CaseStudy,
    Checklist,
    Framework,
    GlossaryTerm,
    ReadingList,
    SourceRef,
)
from .validate import (
    PROJECT_FILES,
    RECORD_SUFFIXES,
    Problem,
    citation_problem,
    validate_data_file,
    validate_record_file,
)
from .validate import field_name as field_name_of
from .vocab import Vocabulary, framework_items_vocabulary, read_vocabularies


def find_root(start: Path | None = None) -> Path:
    """The book's root: the nearest folder up from `start` (default: cwd) holding _config.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").exists() and (folder / "case_studies").is_dir():
            return folder
    raise FileNotFoundError(f"no book root (a folder with _config.yml and case_studies/) above {here}")


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


def folder_files(
    root: Path, folder: Path, kind: tuple[str, str], suffixes: tuple[str, ...] = (".yml",), project_files=frozenset()
) -> tuple[list[Path], list[Problem]]:
    """The files of `folder` to read, and a problem for anything else in it: nothing is silently
    skipped, since a file that is never read could hide anything (or be a mistake nobody notices)."""
    paths: list[Path] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return paths, problems
    where = folder.relative_to(root).as_posix()
    one, what = kind  # e.g. ("a record", "records")
    for path in sorted(folder.iterdir()):
        rel = path.relative_to(root).as_posix()
        if path.name in project_files:
            continue
        if path.name.startswith("."):
            problems.append(
                Problem(rel, 1, "(file)", "is a hidden file (its name starts with a dot), so it is not read", "rename it without the dot, or remove it")
            )
        elif path.is_dir() and not path.is_symlink():
            problems.append(Problem(rel, 1, "(file)", "is a folder", f"{what} are files directly in {where}/: move its files up"))
        elif path.suffix in suffixes:
            paths.append(path)  # a symbolic link or other odd file is refused by the loader, with its name
        else:
            wanted = " or ".join(suffixes)
            problems.append(
                Problem(
                    rel,
                    1,
                    "(file)",
                    f"is not {one} ({what} end in {wanted}, this ends in {path.suffix or 'nothing'})",
                    f"rename it to <id>{suffixes[0]}, or remove it",
                )
            )
    return paths, problems


def load_knowledge_base(root: Path) -> KnowledgeBase:
    vocabularies, problems = read_vocabularies(root)
    bib = load_bibliography(root / "references.bib")
    problems += [Problem("references.bib", p.line, p.key or "(file)", p.message, p.fix) for p in bib.problems]
    frameworks, glossary, checklist, data_problems, reading_list = load_structured_data(root, bib)
    problems += data_problems
    from .datacheck import data_package_problems, required_term_problems  # here: datasets imports this module

    problems += data_package_problems(root, bib) + required_term_problems(vocabularies)
    vocabularies["framework_items"] = framework_items_vocabulary(frameworks)
    paths, folder_problems = record_paths(root / "case_studies")
    problems += folder_problems
    records: dict[str, CaseStudy] = {}
    files: dict[str, Path] = {}
    results = []
    cache = open_record_cache(root)
    for path in paths:
        rel = path.relative_to(root).as_posix()
        record, record_problems, related_lines = validate_cached(cache, path, rel, vocabularies, bib)
        results.append((rel, record, related_lines))
        problems += record_problems
        stem = path.stem
        if stem in files:
            problems.append(
                Problem(
                    rel,
                    1,
                    "id",
                    f"{stem!r} is also used by {files[stem].relative_to(root).as_posix()}",
                    "ids are unique: rename one of the files and its id",
                )
            )
            continue
        files[stem] = path
        if record is not None:
            records[record.id] = record
    cache.save()
    known_ids = set(files)
    for rel, record, related_lines in results:
        if record is None:
            continue
        for i, other in enumerate(record.related):
            if other not in known_ids:
                close = difflib.get_close_matches(other, sorted(known_ids), n=1, cutoff=0.6)
                problems.append(
                    Problem(
                        rel,
                        related_lines[i],
                        f"related[{i}]",
                        f"{other!r} is not the id of any case study",
                        (f"did you mean {close[0]!r}? " if close else "")
                        + "use the file name of a record in case_studies/ without .yml",
                    )
                )
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


def open_record_cache(root: Path) -> FileCache:
    return FileCache.open(root, "valid-records", digest_inputs(root, CONTEXT_GLOBS))


def validate_cached(
    cache: FileCache, path: Path, rel: str, vocabularies, bib
) -> tuple[CaseStudy | None, list[Problem], list[int]]:
    """(record, problems, lines of its `related` entries). A record found valid before, with the same
    text, is not parsed again; only valid records are cached, so every problem is always found afresh."""
    digest = file_digest(path)
    hit, cached = cache.get(rel, digest)
    if hit:
        return cached[0], [], cached[1]
    result = validate_record_file(path, rel, vocabularies, bib)
    record = result.record
    related_lines = (
        [result.loaded.line_of(("related", i)) for i in range(len(record.related))] if record else []
    )
    if record is not None and not result.problems:
        cache.put(rel, digest, (record, related_lines))
    else:
        cache.forget(rel)
    return record, result.problems, related_lines


def _source_refs(obj, path=()):
    """Yield (path, SourceRef) for every source reference inside a validated model."""
    if isinstance(obj, SourceRef):
        yield path, obj
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _source_refs(item, (*path, i))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _source_refs(getattr(obj, name), (*path, name))


def load_structured_data(root: Path, bib: Bibliography):
    """Frameworks, glossary terms and the checklist from data/, validated like records."""
    problems: list[Problem] = []
    loaded = {}
    framework_paths, found = folder_files(root, root / "data" / "frameworks", ("a framework", "frameworks"))
    glossary_paths, more = folder_files(root, root / "data" / "glossary", ("a glossary term", "glossary terms"))
    problems += found + more
    specs = [
        ("frameworks", framework_paths, Framework),
        ("glossary", glossary_paths, GlossaryTerm),
        ("checklist", [p for p in [root / "data" / "integration-checklist.yml"] if p.exists()], Checklist),
        ("reading_list", [p for p in [root / "data" / "reading-list.yml"] if p.exists()], ReadingList),
    ]
    for name, paths, model in specs:
        loaded[name] = []
        for path in paths:
            rel = path.relative_to(root).as_posix()
            obj, found, yaml_doc = validate_data_file(path, rel, model)
            problems += found
            if obj is None:
                continue
            for loc, ref in _source_refs(obj):
                found_problem = citation_problem(bib, ref.key)
                if found_problem:
                    problems.append(
                        Problem(
                            rel, yaml_doc.line_of((*loc, "key")), field_name_of((*loc, "key")), *found_problem
                        )
                    )
            loaded[name].append((rel, obj, yaml_doc))
    seen: dict[str, str] = {}
    for rel, framework, yaml_doc in loaded["frameworks"]:
        for i, item in enumerate(framework.items):
            if item.id in seen:
                problems.append(
                    Problem(
                        rel,
                        yaml_doc.line_of(("items", i, "id")),
                        f"items[{i}].id",
                        f"{item.id!r} is also an item of {seen[item.id]}",
                        "framework item ids are unique across all frameworks: prefix it with the framework's short name",
                    )
                )
            seen[item.id] = rel
    for rel, checklist, yaml_doc in loaded["checklist"]:
        problems += checklist_problems(rel, checklist, yaml_doc, set(seen))
    problems += glossary_problems(loaded["glossary"], {path.stem for path in glossary_paths})
    frameworks = [obj for _, obj, _ in loaded["frameworks"]]
    glossary = [obj for _, obj, _ in loaded["glossary"]]
    checklist = loaded["checklist"][0][1] if loaded["checklist"] else None
    for rel, reading, yaml_doc in loaded["reading_list"]:
        problems += reading_list_problems(rel, reading, yaml_doc, bib)
    reading_list = loaded["reading_list"][0][1] if loaded["reading_list"] else None
    return frameworks, glossary, checklist, problems, reading_list


def glossary_problems(loaded: list, ids: set[str]) -> list[Problem]:
    """Each full term name once (Sphinx matches glossary terms ignoring case; a repeat breaks the page),
    and every `see_also` names a term file that exists (`ids`: a term with its own problem still counts)."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for rel, term, yaml_doc in loaded:
        key = term.term.casefold()
        if key in names:
            problems.append(
                Problem(rel, yaml_doc.line_of(("term",)), "term", f"{term.term!r} is also the term of {names[key]}", "a term is defined once: merge the definitions into that file and delete this one")
            )
        names.setdefault(key, rel)
        for i, other in enumerate(term.see_also):
            if other not in ids:
                close = difflib.get_close_matches(other, sorted(ids), n=1, cutoff=0.6)
                problems.append(
                    Problem(rel, yaml_doc.line_of(("see_also", i)), f"see_also[{i}]", f"{other!r} is not the id of any glossary term", (f"did you mean {close[0]!r}? " if close else "") + "use the file name of a term in data/glossary/ without .yml")
                )
    return problems


def checklist_problems(
    rel: str, checklist: Checklist, yaml_doc, framework_item_ids: set[str]
) -> list[Problem]:
    """Ids unique across the checklist (a saved self-assessment is keyed by them); linked framework items exist."""
    problems, seen = [], {}
    for t, theme in enumerate(checklist.themes):
        entries = [(("themes", t), theme.id)]
        for a, area in enumerate(theme.areas):
            entries.append((("themes", t, "areas", a), area.id))
            entries += [(("themes", t, "areas", a, "items", i), item.id) for i, item in enumerate(area.items)]
            for k, item_id in enumerate(area.framework_items):
                if item_id not in framework_item_ids:
                    loc = ("themes", t, "areas", a, "framework_items", k)
                    close = difflib.get_close_matches(item_id, sorted(framework_item_ids), n=1, cutoff=0.6)
                    problems.append(
                        Problem(
                            rel,
                            yaml_doc.line_of(loc),
                            field_name_of(loc),
                            f"{item_id!r} is not the id of any framework item",
                            (f"did you mean {close[0]!r}? " if close else "")
                            + "use an item id from data/frameworks/*.yml",
                        )
                    )
        for loc, entry_id in entries:
            at = (*loc, "id")
            reserved = next((p for p in CHECKLIST_RESERVED_PREFIXES if entry_id.startswith(p)), None)
            if reserved:
                problems.append(
                    Problem(
                        rel,
                        yaml_doc.line_of(at),
                        field_name_of(at),
                        f"{entry_id!r} starts with {reserved!r}, which the checklist page uses for ids of its own",
                        "choose an id that does not start with " + ", ".join(CHECKLIST_RESERVED_PREFIXES) + " (e.g. the area's id and a number)",
                    )
                )
            if entry_id in seen:
                problems.append(
                    Problem(rel, yaml_doc.line_of(at), field_name_of(at), f"{entry_id!r} is used twice in the checklist", "ids of themes, areas and items are unique: rename one")
                )
            seen[entry_id] = loc
    return problems


def reading_list_problems(rel: str, reading: ReadingList, yaml_doc, bib: Bibliography) -> list[Problem]:
    """Every work is a key in references.bib and every topic named is defined (and defined once)."""
    problems, topic_ids = [], set()
    for i, topic in enumerate(reading.topics):
        if topic.id in topic_ids:
            problems.append(
                Problem(
                    rel,
                    yaml_doc.line_of(("topics", i, "id")),
                    f"topics[{i}].id",
                    f"the topic {topic.id!r} is defined twice",
                    "topic ids are unique: rename or merge one",
                )
            )
        topic_ids.add(topic.id)

    def topic_problem(loc: tuple, topic_id: str) -> None:
        if topic_id not in topic_ids:
            close = difflib.get_close_matches(topic_id, sorted(topic_ids), n=1, cutoff=0.6)
            problems.append(
                Problem(
                    rel,
                    yaml_doc.line_of(loc),
                    field_name_of(loc),
                    f"{topic_id!r} is not a topic defined under `topics`",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + "use the id of a topic, or add the topic",
                )
            )

    for key, topic_id in reading.works.items():
        found = citation_problem(bib, key)
        if found:
            problems.append(Problem(rel, yaml_doc.line_of(("works", key)), f"works.{key}", *found))
        topic_problem(("works", key), topic_id)
    topic_problem(("most_cited_topic",), reading.most_cited_topic)
    return problems


INPUT_GLOBS = (
    "case_studies/*.yml",
    "case_studies/*.yaml",
    "data/**/*",
    "references.bib",
)


def digest_inputs(root: Path, globs: tuple[str, ...] = INPUT_GLOBS, library: bool = True) -> str:
    """A digest of the files matching `globs` and (by default) of the library chapters run: the one it imports."""
    h = hashlib.sha256(library_digest().encode() if library else b"")
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode())
                h.update(b"\0")
                h.update(path.read_bytes())
                h.update(b"\0")
    return h.hexdigest()[:16]


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
    Runs in the main process before any worker starts; the `.digest` file beside it names the inputs and
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
    tmp = path.with_suffix(".tmp")
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
