"""Build the book (`make book` runs `evidencebook build`).

1. Nothing to do when no input changed: the digest of every input (records, data, chapters, pages,
   configuration, references and this library) is compared with the one the last successful build
   recorded. That is a content check, so it survives checkouts that touch every file.
2. Validate every record and print every problem at once (nothing is built while any remains).
3. Build with Sphinx exactly as `jupyter-book build` does (the same jupyter_book.sphinx.build_sphinx,
   reading _config.yml and _toc.yml the same way), strict (-W -n --keep-going) and with two parallel
   jobs, which `jupyter-book build` cannot use (its CLI always asks Sphinx for one).
4. When records or data changed since the last build, build in two passes: first the pages (case
   pages, catalogue, exports) with the chapters' previous outputs kept, so an edited record is on its
   page within seconds; then the chapters that read the records are re-executed. Meanwhile one
   background process runs those chapters ahead into the notebook cache, on the core the first pass
   leaves idle (runahead.py); the second pass takes each one it finished from there. The end result
   is exactly what one clean build gives (tests/test_build.py compares them).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
from pathlib import Path

from ..chapters import GENERATED_DIR, SUBPAGE_CHAPTERS
from ..publish.html import plural
from ..records.book import source_provenance
from ..records.filecache import LIBRARY, digests_read_once, files_digest, saves_deferred
from ..records.history import history_stamp
from ..records.kb import save_snapshot
from . import runahead, settings
from .buildstate import (
    BuildInProgress,
    discard_caches_of_other_versions,
    exclusive_build,
    prepare_notebook_cache,
)

HTML_DIR = Path("_build") / "html"
DOCTREES = Path("_build") / ".doctrees"
STAMP = HTML_DIR / ".evidencebook-build.json"
# Written by the build itself into the source tree: never inputs.
GENERATED = (
    "cases/",
    "chapters/glossary.md",
    "chapters/reading-list.md",
    f"{GENERATED_DIR}/",
    *(f"chapters/{name}/" for name in SUBPAGE_CHAPTERS),
)
SITE_INPUTS = (
    "_config.yml",
    "_toc.yml",
    "*.md",
    "references.bib",
    "requirements.lock",
    "case_studies/*",
    "data/**/*",
    "chapters/**/*",
)


GC_THRESHOLDS = (50_000, 20, 10)  # Python's defaults: (700, 10, 10)


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def site_digest(root: Path) -> str:
    """A digest of everything the built site depends on, including the library that builds it and the
    source commit every page's footer names (records/book.py): a new commit is a new footer."""
    paths = {p for pattern in SITE_INPUTS for p in root.glob(pattern) if p.is_file()}
    inputs = [
        path
        for path in sorted(paths)
        if not (rel := path.relative_to(root).as_posix()).startswith(GENERATED)
        and "__pycache__" not in path.parts
        and "/." not in "/" + rel
    ]
    library = [path for path in sorted(LIBRARY.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
    provenance = source_provenance(root)
    # What's new reads the edition tags too (records/history.py): a new tag is a new chapter and feed.
    extra = f"{files_digest(LIBRARY, library)}\0{provenance.commit}\0{provenance.date}\0{history_stamp(root)}"
    return files_digest(root, inputs, extra.encode())


def read_stamp(root: Path) -> dict:
    try:
        return json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def book_settings(plain_sphinx: bool = False, patches_off: tuple[str, ...] = (), defer_chapters: bool = False) -> dict:
    """The extension's configuration values for one Sphinx run (settings.py)."""
    return {
        settings.PATCHES: not plain_sphinx,
        settings.PATCHES_OFF: list(patches_off),
        settings.DEFER_CHAPTERS: defer_chapters,
    }


def overrides(root: Path, book: dict | None = None) -> dict:
    """What the build sets on top of _config.yml (a new dict each time: Jupyter Book pops from it)."""
    return {
        "external_toc_path": (root / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        **(book if book is not None else book_settings()),
    }


def sphinx_build(root: Path, jobs: int | None = None, quiet: bool = False, book: dict | None = None) -> int:
    """The strict HTML build of the book at `root` with the extension's settings `book` (book_settings());
    returns Sphinx's exit status."""
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        root,
        root / HTML_DIR,
        noconfig=True,
        path_config=root / "_config.yml",
        confoverrides=overrides(root, book),
        builder="html",
        warningiserror=True,
        keep_going=True,
        jobs=jobs or default_jobs(),
        quiet=quiet,
    )
    return result if isinstance(result, int) else 1


def first_pass(root: Path, jobs: int | None, book: dict) -> int:
    return sphinx_build(root, jobs, book={**book, settings.DEFER_CHAPTERS: True})


def book_config(root: Path) -> dict:
    """The Sphinx configuration Jupyter Book makes of _config.yml (as build_sphinx does)."""
    from jupyter_book.config import get_final_config

    return get_final_config(user_yaml=root / "_config.yml", cli_config=overrides(root), sourcedir=root)[0]


def import_extensions(config: dict) -> None:
    """Import Sphinx's own extensions and those the book's configuration names, before the first pass
    forks: the fork and the second pass then share one import of them (about a second and a half)
    instead of each importing them. Importing runs no extension's setup, so nothing is configured."""
    from sphinx.application import builtin_extensions

    for name in (*builtin_extensions, *config.get("extensions", ())):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (Sphinx reports a broken extension itself, with its name)
            pass


def run_chapters_ahead(root: Path, config: dict, kb, digest: str) -> int | None:
    """Start executing the chapters the second pass would execute (runahead.py); the runner's process id."""
    if config.get("nb_execution_mode") != "cache":
        return None
    cache = Path(config.get("nb_execution_cache_path") or "_build/.jupyter_cache")
    cache = cache if cache.is_absolute() else root / cache
    prepare_notebook_cache(cache)  # before the runner writes to it; the second pass then leaves it alone
    return runahead.start(root, cache, int(config.get("nb_execution_timeout") or 180), lambda: save_snapshot(kb, digest))


def in_child_process(function, *args) -> int:
    """Run function(*args) in a forked child and return its status. Sphinx extensions (the book theme
    among them) extend configuration defaults in place, so a second Sphinx app in the same process
    would see a different configuration and rewrite every page; a fork keeps the parent pristine
    while sharing its imports."""
    import jupyter_book.sphinx  # noqa: F401  (imported once, before the fork)

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            status = function(*args)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def build(
    root: Path,
    jobs: int | None = None,
    two_pass: bool = True,
    force: bool = False,
    plain_sphinx: bool = False,
    patches_off: tuple[str, ...] = (),
) -> int:
    """`plain_sphinx` builds with no patch of another project (sphinx/patches/), to compare the output;
    `patches_off` leaves out the named patches, to measure what each one saves."""
    root = root.resolve()
    # Loading Sphinx's environment and the caches creates millions of small objects at once; at Python's
    # default thresholds the cyclic collector traverses the growing heap over and over while they load
    # (10,111 pages: 3.2 s to unpickle the environment, 1.3 s with these; docs/performance.md). The
    # forked first pass and Sphinx's workers inherit them. This process's configuration, no patch.
    gc.set_threshold(*GC_THRESHOLDS)
    with exclusive_build(root), digests_read_once():  # a second build of this checkout waits here
        discard_caches_of_other_versions(root)
        return build_locked(root, jobs, two_pass, force or bool(patches_off), book_settings(plain_sphinx, patches_off))


def build_locked(root: Path, jobs: int | None, two_pass: bool, force: bool, book: dict) -> int:
    from ..records.kb import digest_inputs, knowledge_base_for

    started = time.perf_counter()
    plain_sphinx = not book[settings.PATCHES]
    site = site_digest(root)
    stamp = read_stamp(root)
    in_progress = BuildInProgress(root)
    up_to_date = stamp.get("site") == site and (root / HTML_DIR / "index.html").exists() and not in_progress.path.exists()
    if not force and not plain_sphinx and up_to_date:
        print(f"The book is up to date: no input changed since the last build ({root / HTML_DIR}).")
        return 0
    chapter_inputs = digest_inputs(root)
    runner = None  # the process running chapters ahead (runahead.py), in a two-pass build
    # The record cache is written once the first pass has shown the changed pages (the forked pass and
    # the second pass share this process's knowledge base; they never read the file).
    with saves_deferred():
        kb = knowledge_base_for(root, chapter_inputs)
        if kb.problems:
            for problem in kb.problems:
                print(problem)
            print(
                f"\n{plural(len(kb.problems), 'problem')}: nothing is built until they are fixed (see `make validate`).",
                file=sys.stderr,
            )
            return 1
        in_progress.begin()  # from here until success, the output is not to be trusted
        (root / STAMP).unlink(missing_ok=True)
        incremental = (root / DOCTREES / "environment.pickle").exists() and stamp.get("chapter_inputs")
        if two_pass and incremental and stamp["chapter_inputs"] != chapter_inputs and hasattr(os, "fork"):
            config = book_config(root)
            import_extensions(config)
            runner = run_chapters_ahead(root, config, kb, chapter_inputs)
            book = {**book, settings.CACHE_PREPARED: runner is not None}
            status = in_child_process(first_pass, root, jobs, book)
            if status:
                runahead.stop(runner)
                return status
            print(
                f"[evidencebook] pages updated in {time.perf_counter() - started:.1f} s; now the chapters that read the records"
            )
    try:
        status = sphinx_build(root, jobs, book=book)
    finally:
        runahead.stop(runner)
    if status == 0:
        (root / STAMP).write_text(
            json.dumps({"site": site, "chapter_inputs": chapter_inputs}), encoding="utf-8"
        )
        in_progress.succeeded()
        print(
            f"[evidencebook] built in {time.perf_counter() - started:.1f} s: {root / HTML_DIR / 'index.html'}"
        )
    return status
