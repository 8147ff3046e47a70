"""Chapters run ahead: while the first pass of a two-pass build shows the changed pages (build.py), one
background process executes the chapters left to the second pass, into the notebook cache myst-nb reads.

The first pass and the start of the second keep about one core busy for five or six seconds (at 1,111
records) before the second pass reads the chapters, executing each in a new kernel, two at a time. The
runner uses the idle core meanwhile: each chapter whose cached execution is out of date is executed and
cached, and the second pass finds it done. The notebook is the one myst-nb makes of the page (its own
reader, with the inputs cell the extension adds: notebooks.with_inputs_cell), so the cache key is the
same. A chapter is claimed with a lock while it runs: the runner passes over a chapter the second pass
has taken, and the second pass (claim(), at source-read) waits for one the runner is executing, then
finds it in the cache. A chapter that fails here is not cached: the second pass executes it again and
reports the error as any build does. Nothing is published from here; the pages still come from Sphinx.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import time
from pathlib import Path

from ..records.filecache import CACHE_DIR
from ..records.inputs import chapter_digest, declared_inputs, input_digests
from .notebooks import is_chapter_notebook, with_inputs_cell

LOCKS_DIR = CACHE_DIR / "chapter-locks"
_CLAIMED: dict[str, int] = {}  # docname -> the open lock file this process holds for it


def _lock_file(root: Path, docname: str) -> int:
    folder = root / LOCKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return os.open(folder / (docname.replace("/", "--") + ".lock"), os.O_CREAT | os.O_RDWR, 0o644)


def claim(root: Path, docname: str) -> None:
    """Hold the chapter's lock while this process reads it (and executes it, when the cache has no
    current execution); waits while the runner executes the chapter. Released by release(), or when the
    process ends."""
    if docname not in _CLAIMED:
        fd = _lock_file(root, docname)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _CLAIMED[docname] = fd


def release(docname: str) -> None:
    fd = _CLAIMED.pop(docname, None)
    if fd is not None:
        os.close(fd)  # closing the file releases its lock


def chapter_pages(root: Path) -> list[tuple[str, Path, str]]:
    """(docname, path, text as the second pass reads it) of every chapter notebook, last page first:
    the second pass reads from the front, so the two meet once."""
    digests = input_digests(root)
    pages = []
    for path in sorted({*root.glob("*.md"), *root.glob("chapters/**/*.md")}, reverse=True):
        docname = path.relative_to(root).with_suffix("").as_posix()
        text = path.read_text(encoding="utf-8")
        if is_chapter_notebook(docname, text):
            names, problem = declared_inputs(text)
            if not problem:  # the second pass reports the problem
                pages.append((docname, path, with_inputs_cell(docname, text, names, chapter_digest(names, digests))))
    return pages


_STOPPING = False


def _stop_after_this_chapter(signum, frame) -> None:
    global _STOPPING
    _STOPPING = True


def start(root: Path, cache: Path, timeout: int, prepare=None) -> int | None:
    """Fork the runner, which calls `prepare()` (saving the knowledge base the chapters' kernels load:
    in the runner, so the first pass need not wait for it) and then runs the chapters; its process id,
    to pass to stop(). None where processes cannot fork."""
    if not hasattr(os, "fork"):
        return None
    pages = chapter_pages(root)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGUSR1, _stop_after_this_chapter)  # first: stop() may come at any time
        os.nice(10)  # the idle core only: never slow the first pass, which shows the reader's change
        status = 1
        try:
            if prepare is not None:
                prepare()
            run(root, pages, cache, timeout)
            status = 0
        except BaseException:  # noqa: BLE001 (only time is lost: the second pass executes what is left)
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    return pid


def run(root: Path, pages: list[tuple[str, Path, str]], cache_path: Path, timeout: int) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    cache = get_cache(str(cache_path))
    for docname, path, text in pages:
        if _STOPPING:
            return
        fd = _lock_file(root, docname)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # the second pass has it
            reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
            if reader is None:
                continue  # not a notebook to myst-nb either (no jupytext header): never executed
            notebook = reader.read(text)
            try:
                cache.match_cache_notebook(notebook)
                continue  # its inputs did not change
            except KeyError:
                pass
            started = time.perf_counter()
            result = single_nb_execution(
                notebook, cwd=str(path.parent), allow_errors=False, timeout=timeout, meta_override=True
            )
            if result.err is None:
                bundle = CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time})
                cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
                print(f"[evidencebook] {docname}: run ahead in {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            os.close(fd)


def stop(pid: int | None) -> None:
    """Let the runner finish the chapter it is executing, if any (the second pass, once done, has left
    it none), and wait for it."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
