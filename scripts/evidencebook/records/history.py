"""What changed in the case studies from one edition of the book to the next, read from git.

An edition is an annotated tag `v<edition>` (`make release` makes them, tools/release.py) on the
history of the commit being built. For each edition, the records at its tag are compared with those
at the edition before it (nothing, for the first); then the records being built (the working state)
are compared with the last edition, as "since the last edition". With no tag yet, the working state
is the first edition's contents: every case study in it is listed as added.

Where this is computed: when the book is built, from the git history of the checkout, not at
`make release` into a committed file. Reasons:

- git is the source of truth, and the build already reads it (the footer's commit, records/book.py);
  a committed `changes.json` would be one more file a pull request can edit, so the list of changes
  would be only as trustworthy as the last reviewer's eye, and it could drift from the tags.
- "Since the last edition" must include the records being built, which no committed file can know.
- A release stays one commit and one tag; nothing to regenerate or keep in step.

The build never needs git: without it (a tarball), or with a shallow clone whose tags are missing
(CI checks out with `fetch-depth: 0` for this), `compute_history` returns an empty history whose
`note` says why, and the chapter, `data/changes.json` and the feed say the same.

Records at a tag are read with `git ls-tree` and `git cat-file` (never checked out), written to a
temporary folder with the vocabularies, frameworks and references of the same tag, and validated
there exactly as the build validates (yamlsafe.py, validate.py, the record rules): a record invalid at
an old tag is reported as such, never trusted and never a crash. Each tag's result is kept in the
build's cache, keyed by the ids of the files it read and this library's code.

Two versions of one record are compared by record_diff.py.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .book import EDITION, read_book
from .filecache import FileCache, library_digest
from .record_diff import record_changes
from .validate import PROJECT_FILES, RECORD_SUFFIXES
from .yamlsafe import MAX_BYTES, load_yaml_bytes

TAG = re.compile(r"^v(\d{4}\.\d{1,2}\.\d+)$")
# What validating a record at a tag reads besides the records: the same files as records/kb.py's CONTEXT_GLOBS.
CONTEXT_PATHS = ("data/vocabularies", "data/frameworks")
BIBLIOGRAPHY = "references.bib"
RECORDS_DIR = "case_studies"
UNRELEASED = "unreleased"  # the working state's edition, once an edition has been released
KINDS = ("added", "changed", "removed", "invalid")  # the order changes are listed in within an edition
GIT_TIMEOUT = 60


class HistoryUnavailable(RuntimeError):
    """Why the history cannot be read here (no git, a shallow clone, a failing git command)."""


@dataclass(frozen=True)
class RecordState:
    """One record file at one point: valid (its fields as JSON values) or invalid (its first problem)."""

    valid: bool
    data: dict[str, Any] | None = None  # the validated record as JSON values (model_dump(mode="json"))
    problem: str = ""  # the first problem, when invalid
    title: str = ""  # its title, when it has one (from the file even when invalid)
    blob: str = ""  # a digest of the file's bytes: an invalid file unchanged since is not reported again


@dataclass(frozen=True)
class Edition:
    edition: str  # a calendar version, e.g. 2026.12.0
    tag: str  # v2026.12.0, or "" for the working state
    date: str  # when: the tag's date, or the source commit's for the working state (RFC 3339, UTC)
    released: bool
    previous: str  # the edition it is compared with, or "" for the first


@dataclass
class History:
    available: bool
    note: str
    editions: list[Edition] = field(default_factory=list)  # oldest first; the working state last
    changes: list[dict[str, Any]] = field(default_factory=list)  # in edition order, then by kind and id
    last_changed: dict[str, Edition] = field(default_factory=dict)  # record id -> the edition it last changed in

    def as_json(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "note": self.note,
            "editions": [edition.__dict__ for edition in self.editions],
            "changes": self.changes,
        }


# --- git -----------------------------------------------------------------------------------------


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise HistoryUnavailable(f"git could not be run ({type(err).__name__})") from err
    if done.returncode != 0:
        raise HistoryUnavailable(f"git {args[0]} failed: {done.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return done.stdout


def _utc(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def edition_key(edition: str) -> tuple[int, ...]:
    return tuple(int(part) for part in EDITION.match(edition).groups())  # type: ignore[union-attr]


def edition_tags(root: Path) -> list[tuple[str, str, str]]:
    """(edition, tag, date) of every annotated tag v<edition> on the history of HEAD, oldest edition first."""
    out = _git(
        root, "for-each-ref", "--merged", "HEAD", "--format=%(refname:strip=2)%00%(objecttype)%00%(creatordate:iso-strict)", "refs/tags/"
    )
    found = []
    for line in out.decode("utf-8", "replace").splitlines():
        name, kind, stamp = (line.split("\0") + ["", ""])[:3]
        match = TAG.match(name)
        if match and kind == "tag":
            try:
                found.append((match.group(1), name, _utc(stamp)))
            except ValueError:
                continue
    return sorted(found, key=lambda item: edition_key(item[0]))


def history_stamp(root: Path) -> str:
    """What the history depends on besides the working files: the edition tags and the commits they
    name (the build's "nothing changed" check includes it, so a new tag rebuilds the book)."""
    try:
        return _git(root, "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags/").decode("utf-8", "replace")
    except HistoryUnavailable:
        return ""


def _tree_entries(root: Path, tag: str) -> list[tuple[str, str, str, int]]:
    """(mode, object id, path, size) of the files validating the records at `tag` reads."""
    folders = [f"{RECORDS_DIR}/", *(f"{p}/" for p in CONTEXT_PATHS)]
    out = _git(root, "ls-tree", "-z", "--long", f"{tag}^{{commit}}", "--", *folders, BIBLIOGRAPHY)
    entries = []
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        if kind == "blob" or mode == "120000":
            entries.append((mode, oid, path.decode("utf-8", "replace"), int(size) if size.isdigit() else 0))
    return entries


def _read_blobs(root: Path, oids: list[str]) -> dict[str, bytes]:
    """The bytes of each blob, all in one `git cat-file --batch`."""
    if not oids:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in oids).encode())
    blobs, at = {}, 0
    for oid in oids:
        header_end = out.find(b"\n", at)
        header = out[at:header_end].split()
        if header_end < 0 or len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
            raise HistoryUnavailable(f"git cat-file could not read the object {oid}")
        size = int(header[2])
        blobs[oid] = out[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1
    return blobs


def _safe_name(path: str, folder: str) -> str | None:
    """The file name of `path` directly inside `folder`, or None when it could not be written safely."""
    name = path[len(folder) + 1 :] if path.startswith(folder + "/") else None
    if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith(".") or len(name) > 200:
        return None
    return name


def tag_states(root: Path, tag: str, cache: FileCache | None = None) -> dict[str, RecordState]:
    """Every record file at `tag`, validated with the vocabularies, frameworks and references of that tag."""
    entries = _tree_entries(root, tag)
    key = hashlib.sha256("\n".join(f"{m} {o} {p}" for m, o, p, _ in entries).encode()).hexdigest()
    if cache is not None:
        hit, saved = cache.get(tag, key)
        if hit:
            return saved
    states: dict[str, RecordState] = {}
    wanted = [e for e in entries if e[0] != "120000" and e[3] <= MAX_BYTES]
    blobs = _read_blobs(root, [oid for _, oid, _, _ in wanted])
    with tempfile.TemporaryDirectory(prefix="evidencebook-history-") as tmp:
        base = Path(tmp)
        for mode, oid, path, size in entries:
            folder = RECORDS_DIR if path.startswith(RECORDS_DIR + "/") else next((f for f in CONTEXT_PATHS if path.startswith(f + "/")), "")
            name = BIBLIOGRAPHY if path == BIBLIOGRAPHY else _safe_name(path, folder)
            if name is None:
                continue
            is_record = folder == RECORDS_DIR and name not in PROJECT_FILES and name.endswith(RECORD_SUFFIXES)
            if mode == "120000" or size > MAX_BYTES:
                if is_record:
                    why = "is a symbolic link" if mode == "120000" else f"is {size:,} bytes, more than the limit of {MAX_BYTES:,}"
                    blob = "symbolic link" if mode == "120000" else f"too large {oid}"
                    states[Path(name).stem] = RecordState(False, problem=f"{path}: {why}", blob=blob)
                continue
            target = base / (folder or ".") / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs[oid])
        states.update(validate_folder(base))
    if cache is not None:
        cache.put(tag, key, states)
    return states


def validate_folder(base: Path) -> dict[str, RecordState]:
    """Every record file in base/case_studies, validated against base's vocabularies, frameworks and
    references as the build validates (the same functions), keyed by file stem."""
    from . import rules
    from .bib import load_bibliography
    from .kb import listed_ids, load_structured_data, record_paths
    from .rules.record import RecordEntry
    from .validate import validate_record_file
    from .vocab import framework_items_vocabulary
    from .vocabularies import read_vocabularies

    vocabularies, _ = read_vocabularies(base)
    bib = load_bibliography(base / BIBLIOGRAPHY)
    frameworks = load_structured_data(base, bib, vocabularies)[0]
    vocabularies["framework_items"] = framework_items_vocabulary(frameworks)
    paths, _ = record_paths(base / RECORDS_DIR)
    results, entries = [], []
    for path in paths:
        rel = path.relative_to(base).as_posix()
        result = validate_record_file(path, rel, vocabularies, bib)
        results.append((path, rel, result))
        entries.append(RecordEntry(rel, path.stem, result.record, listed_ids(result.loaded)))
    set_problems = rules.run("records", entries)
    states = {}
    for path, rel, result in results:
        problems = sorted([*result.problems, *(p for p in set_problems if p.file == rel)])
        record = result.record if not problems else None
        title = _title_of(path) if record is None else record.title
        blob = "symbolic link" if path.is_symlink() else hashlib.sha256(path.read_bytes()[: MAX_BYTES + 1]).hexdigest()
        if record is not None:
            states[path.stem] = RecordState(True, record.model_dump(mode="json"), title=title, blob=blob)
        else:
            first = str(problems[0]) if problems else f"{rel}: is not a valid record"
            states[path.stem] = RecordState(False, problem=first, title=title, blob=blob)
    return states


def _title_of(path: Path) -> str:
    """An invalid record's title, when its file still has one as text (shown escaped, like any text)."""
    loaded = load_yaml_bytes(path.read_bytes()[:MAX_BYTES])
    title = loaded.data.get("title") if not loaded.problems and isinstance(loaded.data, dict) else None
    return title.strip()[:300] if isinstance(title, str) else ""


# --- one edition against the one before it ----------------------------------------------------------


def compare(
    edition: Edition, before: dict[str, RecordState], after: dict[str, RecordState], last_valid: dict[str, dict]
) -> list[dict[str, Any]]:
    """The changes from `before` to `after`. `last_valid` holds each record's last valid version (a
    record that was invalid in between is compared with that) and is updated."""
    changes = []

    def change(rid: str, kind: str, title: str, **more) -> None:
        base = {
            "edition": edition.edition,
            "released": edition.released,
            "previous": edition.previous,  # the edition compared with ("" for the first)
            "date": edition.date,
            "id": rid,
            "title": title,
            "kind": kind,
        }
        changes.append(base | {"fields": [], "details": [], "outcomes": [], "problem": ""} | more)

    for rid in sorted(before.keys() | after.keys()):
        old, new = before.get(rid), after.get(rid)
        if new is None:
            change(rid, "removed", old.title if old else "")  # type: ignore[union-attr]
            last_valid.pop(rid, None)
        elif not new.valid:
            if old is None or old.valid or old.blob != new.blob:
                change(rid, "invalid", new.title or (old.title if old else ""), problem=new.problem)
        else:
            data = new.data or {}
            previous = old.data if old is not None and old.valid else last_valid.get(rid)
            if previous is None:
                change(rid, "added", new.title)
            elif previous != data:
                fields, shown, outcomes = record_changes(previous, data)
                change(rid, "changed", new.title, fields=fields, details=shown, outcomes=outcomes)
            last_valid[rid] = data
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: (order[c["kind"]], c["id"]))


def compute_history(root: Path, current: dict[str, dict] | None = None, use_cache: bool = True) -> History:
    """The editions and their changes. `current` is the working state's records (id -> JSON values of the
    validated record, as the build has them); without it the working files are validated here."""
    try:
        try:
            inside = _git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
        except HistoryUnavailable:
            inside = False
        if not inside:
            raise HistoryUnavailable("it is not a git checkout (a downloaded archive, say), so it has no history")
        # A copy of the book inside another checkout (a test's copy under _build/, say) is not that checkout's book.
        folder = _git(root, "rev-parse", "--show-prefix").decode("utf-8", "replace").strip()
        if folder != read_book(root).path_to_book:
            raise HistoryUnavailable(
                f"the book is in the folder {folder!r} of its git checkout, not where _config.yml's repository.path_to_book says"
            )
        if _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true":
            raise HistoryUnavailable(
                "a shallow clone, whose history and edition tags are incomplete (fetch the full history: `git fetch --unshallow --tags`)"
            )
        tags = edition_tags(root)
        cache = FileCache.open(root, "edition-records", library_digest()) if use_cache else None
        states = [(edition, tag, date, tag_states(root, tag, cache)) for edition, tag, date in tags]
        if cache is not None:
            cache.save()
    except (HistoryUnavailable, ValueError, IndexError, OSError) as err:  # never a reason to fail the build
        return History(False, f"The changes between editions could not be read where this copy of the book was built: {err}.")
    if current is None:
        working = validate_folder(root)
    else:
        working = {rid: RecordState(True, data, title=str(data.get("title", ""))) for rid, data in current.items()}
    book = read_book(root)
    history = History(True, "")
    before: dict[str, RecordState] = {}
    last_valid: dict[str, dict] = {}
    previous = ""
    for edition, tag, date, after in states:
        entry = Edition(edition, tag, date, True, previous)
        history.editions.append(entry)
        history.changes += compare(entry, before, after, last_valid)
        before, previous = after, edition
    working_edition = Edition(book.edition if not states else UNRELEASED, "", _git_date(root), False, previous)
    history.editions.append(working_edition)
    history.changes += compare(working_edition, before, working, last_valid)
    if not states:
        history.note = (
            f"No edition has been released yet (there is no tag v{book.edition}): everything below is the contents of the "
            f"first edition, {book.edition}, as it stands."
        )
    by_name = {(e.edition, e.released): e for e in history.editions}
    for item in history.changes:  # in edition order: the last one wins
        if item["id"] in working and item["kind"] != "removed":
            history.last_changed[item["id"]] = by_name[(item["edition"], item["released"])]
    return history


def _git_date(root: Path) -> str:
    """The date of the source commit (RFC 3339, UTC), or "" without one."""
    try:
        stamp = _git(root, "log", "-1", "--format=%cI", "HEAD").decode().strip()
        return _utc(stamp) if stamp else ""
    except (HistoryUnavailable, ValueError):
        return ""
