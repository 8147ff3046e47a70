"""Results about a file kept between runs, keyed by the file's name and text.

Loading ten thousand records means parsing ten thousand YAML files with line numbers, and checking
their layout means dumping each one again: most of it repeats work done for the same text in the last
run. A FileCache remembers a result per file, valid while the file's text and the cache's `context`
(a digest of everything else the result depends on, such as vocabularies and the library's own code)
are unchanged. It lives in _build/.evidencebook/, so `make clean` or a fresh clone simply starts empty.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from .yamlsafe import MAX_BYTES  # larger files are refused by the loader anyway: never hash them

CACHE_DIR = Path("_build") / ".evidencebook"
LIBRARY = Path(__file__).resolve().parent.parent  # the whole evidencebook package


@functools.cache  # the code a process runs is the code it imported: once per process is exact
def library_digest() -> str:
    """A digest of the library's code (schema, validator, formatter) and of the templates its pages are
    written with (publish/templates/): a new version invalidates results."""
    import pydantic

    h = hashlib.sha256(pydantic.VERSION.encode())
    for path in sorted([*LIBRARY.rglob("*.py"), *(LIBRARY / "publish" / "templates").glob("*.html")]):
        h.update(path.relative_to(LIBRARY).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


# --- digests of input files, each file read once per build ----------------------------------------

_BUILD_DIGESTS: dict[tuple, bytes] | None = None  # while a build runs: (path, size, mtime, inode) -> sha256


@contextlib.contextmanager
def digests_read_once():
    """Within this block (one build: its driver, its forked first pass and its Sphinx runs), each input
    file is read and hashed once, however many digests include it: at ten thousand records every
    pass over the records costs about half a second. Outside it, every digest reads the files afresh."""
    global _BUILD_DIGESTS
    previous, _BUILD_DIGESTS = _BUILD_DIGESTS, {} if _BUILD_DIGESTS is None else _BUILD_DIGESTS
    try:
        yield
    finally:
        _BUILD_DIGESTS = previous


# --- saves put off until a build has shown its pages -----------------------------------------------

_DEFERRED: tuple[int, list] | None = None  # (the process that put saves off, the caches to save)


@contextlib.contextmanager
def saves_deferred():
    """Within this block, this process's FileCache.save() only notes the cache; each noted cache is
    written once, when the block ends. The build driver holds the record cache's save (a second at ten
    thousand records) until its first pass has shown the changed pages; a process forked inside (the
    first pass, Sphinx's workers) saves at once, since it would never reach the end of the block."""
    global _DEFERRED
    if _DEFERRED is not None and _DEFERRED[0] == os.getpid():
        yield  # already inside one: the outer block saves
        return
    _DEFERRED = (os.getpid(), [])
    try:
        yield
    finally:
        pending, _DEFERRED = _DEFERRED[1], None
        for cache in pending:
            cache.save()


def file_version(stat: os.stat_result) -> tuple[int, int, int]:
    """What tells one version of a file from another without reading it: size, time and inode (a save
    that replaces a file gives it a new inode)."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def content_digest(path: Path) -> bytes:
    """The sha256 of a file's bytes; remembered by the file's version within digests_read_once(), so a
    file changed during the build is read again."""
    if _BUILD_DIGESTS is None:
        return hashlib.sha256(path.read_bytes()).digest()
    return _remembered_digest(path, path.stat())


def _remembered_digest(path: Path, stat: os.stat_result) -> bytes:
    key = (str(path), *file_version(stat))
    digest = _BUILD_DIGESTS.get(key)
    if digest is None:
        digest = _BUILD_DIGESTS[key] = hashlib.sha256(path.read_bytes()).digest()
    return digest


def files_digest(root: Path, paths, seed: bytes = b"") -> str:
    """A digest of the files' names (relative to root) and contents, in the order given."""
    h = hashlib.sha256(seed)
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + content_digest(path) + b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str | None:
    """The sha256 of a plain file's text (the key of its cached results); None when it is never cached
    (a symbolic link, anything but a file, or a file over the size limit). Within digests_read_once(),
    a file the build's input digests already read is not read again (10,000 records: 0.3 s)."""
    try:
        stat = path.lstat()
        if not S_ISREG(stat.st_mode) or stat.st_size > MAX_BYTES:
            return None
        if _BUILD_DIGESTS is not None:
            return _remembered_digest(path, stat).hex()
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class FileCache:
    path: Path
    context: str
    entries: dict[str, tuple[str, Any]] = field(default_factory=dict)  # rel -> (sha256 of the text, result)
    changed: bool = False
    # The file as this process last read or wrote it (file_identity): when it is still that file, saving
    # has nothing of another process's to merge and need not read it again (1.5 s at 10,000 records).
    known: tuple | None = None

    @classmethod
    def open(cls, root: Path, name: str, context: str) -> FileCache:
        path = root / CACHE_DIR / f"{name}.pickle"
        known = file_identity(path)  # before reading: a file replaced in between is then merged when saving
        saved = read_pickle(path)
        if saved is not None and saved.get("context") == context:
            return cls(path, context, saved["entries"], known=known)
        return cls(path, context, changed=True)

    def get(self, rel: str, digest: str | None) -> tuple[bool, Any]:
        hit = self.entries.get(rel)
        if digest is not None and hit is not None and hit[0] == digest:
            return True, hit[1]
        return False, None

    def put(self, rel: str, digest: str | None, result: Any) -> None:
        if digest is None:
            self.forget(rel)
        else:
            self.entries[rel] = (digest, result)
            self.changed = True

    def forget(self, rel: str) -> None:
        if self.entries.pop(rel, None) is not None:
            self.changed = True

    def save(self) -> None:
        """Write the cache, merged with what another process (a parallel Sphinx worker) saved meanwhile:
        saving is locked, and this process's own entries win. Inside saves_deferred(), it is noted instead."""
        if not self.changed:
            return
        if _DEFERRED is not None and _DEFERRED[0] == os.getpid():
            if all(cache is not self for cache in _DEFERRED[1]):  # by identity: == compares every entry
                _DEFERRED[1].append(self)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.with_suffix(".lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if self.known is None or file_identity(self.path) != self.known:
                    saved = read_pickle(self.path, quiet=True)
                    if saved is not None and saved.get("context") == self.context:
                        self.entries = {**saved["entries"], **self.entries}
                tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
                with tmp.open("wb") as f:
                    pickle.dump({"context": self.context, "entries": self.entries}, f, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(self.path)
                self.known = file_identity(self.path)
            self.changed = False
        except OSError:  # a read-only checkout still works, only without the shortcut
            pass


def file_identity(path: Path) -> tuple | None:
    """The file's version (file_version); None when it is missing."""
    try:
        return file_version(path.stat())
    except OSError:
        return None


def read_pickle(path: Path, quiet: bool = False) -> dict | None:
    """A cache file's content; None when it is missing or cannot be read (then it is only a missed
    shortcut, rebuilt by this run: one line says so, never a traceback)."""
    try:
        with path.open("rb") as f:
            saved = pickle.load(f)
        if isinstance(saved, dict):
            return saved
        problem = "not a cache file"
    except FileNotFoundError:
        return None
    except Exception as err:  # truncated, damaged or written by other code: all mean "start again"
        problem = f"{type(err).__name__}: {err}"[:120]
    if not quiet:
        print(f"[evidencebook] discarded the damaged cache {path.name} ({problem}); it will be rebuilt", flush=True)
    path.unlink(missing_ok=True)
    return None
