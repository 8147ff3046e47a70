"""The build's state on disk, made safe before any Sphinx worker starts.

A build keeps state between runs in _build/: Sphinx's environment and doctrees, the published site,
the notebook cache (jupyter-cache's SQLite database and executed notebooks) and our own caches
(_build/.evidencebook/: valid records, case pages, formatted references, the knowledge-base snapshot).
Any of it can be left half-written by a build that was killed, damaged on disk, written by other
package versions, or raced for by two builds. The rules, applied by `build.py` in this order:

1. **One build per checkout at a time** (`exclusive_build`): a second `make book` waits for the first,
   saying so in one line, instead of writing the same files.
2. **Caches belong to the package versions that wrote them** (`discard_caches_of_other_versions`):
   when the installed packages or Python differ from the last build's, every cache is discarded.
3. **Only a complete, checked build is trusted** (`BuildInProgress`): a marker is written before Sphinx
   starts and removed only after a build that succeeded; a build that finds the marker (its predecessor
   was killed or failed) starts from an empty output, doctree and notebook-output folder. The notebook
   cache and our content-keyed caches survive: they are keyed by content and written atomically.
4. **Shared state exists before workers fork** (`prepare_notebook_cache`): the notebook cache database
   is checked, discarded when damaged, and created in the main process, so parallel workers never race
   to create it (two workers creating its tables at once failed cold builds with "table settings
   already exists").

Each discard prints one line saying what was discarded and why; none is a traceback.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

BUILD_DIR = Path("_build")
STATE_DIR = BUILD_DIR / ".evidencebook"
LOCK_FILE = STATE_DIR / "build.lock"
IN_PROGRESS = STATE_DIR / "build-in-progress.json"
VERSIONS_FILE = STATE_DIR / "versions.json"
NOTEBOOK_CACHE = BUILD_DIR / ".jupyter_cache"
# What Sphinx and myst-nb write per build; a build that did not finish may have left any of it half done.
SPHINX_OUTPUTS = (BUILD_DIR / "html", BUILD_DIR / ".doctrees", BUILD_DIR / "jupyter_execute")
# jupyter-cache's tables (jupyter_cache/cache/db.py): a database without them was never finished.
NOTEBOOK_CACHE_TABLES = {"nbcache", "nbproject", "settings"}


def say(message: str) -> None:
    print(f"[evidencebook] {message}", flush=True)


# --- 1. one build per checkout ----------------------------------------------------------------------


@contextmanager
def exclusive_build(root: Path) -> Iterator[None]:
    """Hold the checkout's build lock; wait, saying so once, while another build holds it.

    The lock is an OS file lock: it is released when its holder exits, killed or not, so a stale lock
    file never blocks a build."""
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            say(f"another build of this checkout is running ({holder}); waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- 2. caches of other package versions ------------------------------------------------------------


def installed_versions() -> dict[str, str]:
    """Python's version and every installed distribution's, as the caches' owner."""
    from importlib.metadata import distributions

    versions = {"python": sys.version.split()[0]}
    for dist in distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name:
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def discard_caches_of_other_versions(root: Path) -> None:
    path = root / VERSIONS_FILE
    now = installed_versions()
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = None
    if before == now:
        return
    # The lock lives in STATE_DIR, so only other contents of _build are caches worth announcing.
    if before is not None or any(child != root / STATE_DIR for child in (root / BUILD_DIR).iterdir()):
        changed = _describe_changes(before if isinstance(before, dict) else {}, now)
        say(f"the installed packages are not those of the last build ({changed}): discarding every cache")
        for child in (root / BUILD_DIR).iterdir():
            if child != root / STATE_DIR:
                _remove(child)
        for child in (root / STATE_DIR).iterdir():
            if child.name != LOCK_FILE.name:
                _remove(child)
    _write_atomically(path, json.dumps(now, indent=0))


def _describe_changes(before: dict, now: dict) -> str:
    if not before:
        return "no record of them"
    changes = [f"{name} {before.get(name, '-')} -> {now.get(name, '-')}" for name in sorted(before.keys() | now.keys()) if before.get(name) != now.get(name)]
    return ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")


# --- 3. only a complete build is trusted ------------------------------------------------------------


class BuildInProgress:
    """The marker of a build under way: present at start means the last build did not finish."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / IN_PROGRESS

    def begin(self) -> None:
        if self.path.exists():
            say("the last build of this checkout did not finish (it was stopped or failed): starting from an empty output folder")
            for folder in SPHINX_OUTPUTS:
                _remove(self.root / folder)
        _write_atomically(self.path, json.dumps({"pid": os.getpid(), "started": time.time()}))

    def succeeded(self) -> None:
        self.path.unlink(missing_ok=True)


# --- 4. the notebook cache, ready before workers start ----------------------------------------------


def prepare_notebook_cache(path: Path) -> None:
    """Check jupyter-cache's folder and create its database, in the main process before any worker.

    A database that cannot be read, lacks its tables or was written by another jupyter-cache version
    is discarded with the executed notebooks it indexes (they are only a cache); so is a single
    executed notebook that no longer parses."""
    from jupyter_cache import __version__ as cache_version
    from jupyter_cache import get_cache

    problem = _notebook_cache_problem(path, cache_version)
    if problem:
        say(f"discarded the notebook cache {path.name} ({problem}); the chapters will be executed again")
        _remove(path)
    cache = get_cache(path)
    cache.db  # noqa: B018  (creates the database and its tables now, once)
    _drop_unreadable_notebooks(cache)


def _notebook_cache_problem(path: Path, cache_version: str) -> str | None:
    database = path / "global.db"
    if not path.exists():
        return None
    if not database.is_file():
        return "its database is missing" if any(path.iterdir()) else None
    version_file = path / "__version__.txt"
    written_by = version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else ""
    if written_by != cache_version:
        return f"written by jupyter-cache {written_by or 'of an unknown version'}, this is {cache_version}"
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                return "its database is damaged"
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        return f"its database cannot be read: {err}"
    missing = NOTEBOOK_CACHE_TABLES - tables
    return f"its database lacks the tables {', '.join(sorted(missing))}" if missing else None


def _drop_unreadable_notebooks(cache) -> None:
    for record in cache.list_cache_records():
        notebook = cache._get_notebook_path_cache(record.hashkey)
        try:
            # Parsed, not validated: jupyter-cache wrote it valid, and what goes wrong on disk (a file cut
            # short, or gone) fails the parse. nbformat's validation of every cached chapter took 0.7 s.
            if not isinstance(json.loads(notebook.read_bytes()).get("cells"), list):
                raise ValueError("no cells")
        except Exception as err:  # a truncated or missing file: any failure to read it means the same
            say(f"discarded a damaged executed notebook from the notebook cache ({type(err).__name__}); its chapter will be executed again")
            cache.remove_cache(record.pk)


# --- files ----------------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
