"""Sphinx 7.4.7's parallel read and write, made to cost the same per page at ten thousand pages as at a
hundred. For speed only: not one published byte changes (tests/test_build.py compares a build with
`--plain-sphinx`). What each fixes, as measured at 10,111 pages on 2 cores:

- **Reading** (`read_in_parallel`). Each worker reads a chunk of pages, then sends its *whole*
  environment back, pickled, and the main process unpickles it to merge that chunk. The environment a
  worker starts from holds every chunk merged before it was forked, so the bytes sent grew with the
  book: the main process spent 157 s unpickling environments, mostly tables of contents of pages it
  already had. Here a worker sends only the pages it read (`keep_only_pages`): every merge step of
  Sphinx and of the extensions the book loads reads those tables only for the chunk's pages.
  Each chapter notebook (executed while it is read) also gets a chunk of its own, started first
  (`reading_chunks`): in Sphinx's chunks of neighbouring names one worker executed them all.
- **Writing** (`write_in_parallel`). Sphinx resolves every page (loads its doctree, resolves
  references and citations) and feeds the search index in the main process; only the HTML
  translation runs in a worker, and with `-j 2` it starts one. The main process was the bottleneck
  (242 of the phase's 300 s). Here each of the `-j` workers resolves, indexes and writes its own
  chunk, and sends back what the main process needs from it: the chunk's search-index words and the
  images its pages use.
- **Workers and the garbage collector.** Workers are forked from a main process holding the whole
  environment. Each freezes what it inherited (`gc.freeze`), so its collections neither walk nor copy
  the main process's objects: loading a doctree took 3.8 ms with a large heap, 0.4 ms without.

Both replacements are copies of Sphinx 7.4.7's `Builder._read_parallel` and `_write_parallel` with
those changes.
"""

from __future__ import annotations

import gc
import pickle
import types
from collections import Counter
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.build_phase import BuildPhase
from sphinx.util.display import status_iterator
from sphinx.util.parallel import ParallelTasks, make_chunks

from ..notebooks import chapter_notebooks
from .registry import EFFECTS, Patch, observed

logger = logging.getLogger(__name__)

READ = "sphinx-parallel-read"
WRITE = "sphinx-parallel-write"

# The environment's tables keyed by page that Sphinx (merge_info_from and its toctree, title,
# metadata and dependencies collectors) and myst-nb merge only for the pages a worker read.
# `titles_old` is written by sphinx-external-toc after reading and is never merged.
PER_PAGE_TABLES = (
    "all_docs",
    "included",
    "tocs",
    "toc_num_entries",
    "titles",
    "longtitles",
    "metadata",
    "dependencies",
    "nb_metadata",
)
NOT_MERGED = ("titles_old",)

# Domain data a worker's merge step takes only for the pages the worker read, each with how to find an
# item's page (from the domains' merge_domaindata: Sphinx's std, index and math domains and
# sphinxcontrib-bibtex's cite domain). The cite domain's `citations` are computed after reading, from
# the merged data, and are not merged.
DOMAIN_TABLES: dict[tuple[str, str], Any] = {
    ("std", "labels"): lambda key, value: value[0],
    ("std", "anonlabels"): lambda key, value: value[0],
    ("std", "objects"): lambda key, value: value[0],
    ("index", "entries"): lambda key, value: key,
    ("math", "has_equations"): lambda key, value: key,
    ("cite", "bibliographies"): lambda key, value: key.docname,
    ("cite", "citation_refs"): lambda item, _: item.docname,
}
DOMAIN_NOT_MERGED = (("cite", "citations"),)

# The search index's tables filled by IndexBuilder.feed, page by page.
INDEX_PAGE_TABLES = ("_titles", "_filenames", "_all_titles", "_index_entries")
INDEX_WORD_TABLES = ("_mapping", "_title_mapping")


def keep_only_pages(env: Any, docnames: list[str]) -> None:
    """Cut a worker's environment down to the pages it read (the worker is about to exit)."""
    keep = set(docnames)
    for name in PER_PAGE_TABLES:
        table = getattr(env, name, None)
        if isinstance(table, dict):
            for docname in [d for d in table if d not in keep]:
                del table[docname]
    for name in NOT_MERGED:
        if isinstance(getattr(env, name, None), dict):
            setattr(env, name, {})
    for (domain, name), page_of in DOMAIN_TABLES.items():
        data = env.domaindata.get(domain, {})
        table = data.get(name)
        if isinstance(table, dict):
            data[name] = {key: value for key, value in table.items() if page_of(key, value) in keep}
        elif isinstance(table, list):
            data[name] = [item for item in table if page_of(item, None) in keep]
    for domain, name in DOMAIN_NOT_MERGED:
        data = env.domaindata.get(domain, {})
        if name in data:
            data[name] = type(data[name])()


def reading_chunks(env: Any, docnames: list[str], nproc: int) -> list[list[str]]:
    """Sphinx's chunks of consecutive pages, except that each chapter notebook is a chunk of its own,
    started first. A notebook is executed while it is read, for seconds; in Sphinx's chunks the
    chapters, being neighbours by name, shared one chunk, so one worker executed them one after the
    other while the other had nothing left to do (the real book used 1.2 of its 2 cores)."""
    notebooks = set(chapter_notebooks(env, docnames))
    # ParallelTasks starts the chunk added last first: the notebooks go last, the largest last of all.
    ordered = sorted(notebooks, key=lambda d: Path(env.doc2path(d)).stat().st_size)
    return make_chunks([d for d in docnames if d not in notebooks], nproc) + [[d] for d in ordered]


def run_in_workers(nproc: int, chunks: list[list[str]], work, merge) -> None:
    """As Sphinx runs a phase in parallel: each chunk in a forked worker (at most `nproc` at a time),
    its result merged in this process as it arrives."""
    tasks = ParallelTasks(nproc)
    for chunk in chunks:
        tasks.add_task(work, chunk, merge)
    tasks.join()
    logger.info("")


def effects_in_worker(before: Counter) -> dict[str, int]:
    """What the patches did in this forked worker, to be added to the main process's record."""
    return dict(EFFECTS - before)


def read_in_parallel(self, docnames: list[str], nproc: int) -> None:
    """Sphinx 7.4.7's Builder._read_parallel; a worker sends back only the pages it read, and each
    chapter notebook is read (executed) in a chunk of its own."""
    chunks = reading_chunks(self.env, docnames, nproc)
    progress = status_iterator(chunks, __("reading sources... "), "purple", len(chunks), self.app.verbosity)

    for docname in docnames:
        self.events.emit("env-purge-doc", self.env, docname)
        self.env.clear_doc(docname)

    def read_process(docs: list[str]) -> tuple[bytes, dict[str, int]]:
        gc.freeze()
        before = Counter(EFFECTS)
        self.env.app = self.app
        for docname in docs:
            self.read_doc(docname, _cache=False)
        keep_only_pages(self.env, docs)
        return pickle.dumps(self.env, pickle.HIGHEST_PROTOCOL), effects_in_worker(before)

    def merge(docs: list[str], result: tuple[bytes, dict[str, int]]) -> None:
        otherenv, effects = result
        self.env.merge_info_from(docs, pickle.loads(otherenv), self.app)
        EFFECTS.update(effects)
        observed(READ)  # one chunk read by a worker that sent back only its own pages
        next(progress)

    run_in_workers(nproc, chunks, read_process, merge)


def empty_index_tables(indexer: Any) -> None:
    for name in (*INDEX_PAGE_TABLES, *INDEX_WORD_TABLES):
        setattr(indexer, name, {})


def index_tables(indexer: Any) -> dict[str, dict]:
    return {name: getattr(indexer, name) for name in (*INDEX_PAGE_TABLES, *INDEX_WORD_TABLES)}


def merge_index_tables(indexer: Any, tables: dict[str, dict]) -> None:
    """Add a worker's pages to the main search index, as if they had been fed to it."""
    for name in INDEX_PAGE_TABLES:
        getattr(indexer, name).update(tables[name])
    for name in INDEX_WORD_TABLES:
        mapping = getattr(indexer, name)
        for word, pages in tables[name].items():
            mapping.setdefault(word, set()).update(pages)


def write_in_parallel(self, docnames: list[str], nproc: int) -> None:
    """Sphinx 7.4.7's Builder._write_parallel for the HTML builder, with pages resolved and indexed in
    the workers (`nproc` is Sphinx's `-j` minus one, as its main process used to be busy resolving:
    the workers get all `-j`)."""

    def write_process(docs: list[str]) -> dict[str, Any]:
        gc.freeze()
        before = Counter(EFFECTS)
        if self.indexer is not None:
            empty_index_tables(self.indexer)
        images_before = dict(self.images)
        for docname in docs:
            self.app.phase = BuildPhase.RESOLVING
            doctree = self.env.get_and_resolve_doctree(docname, self)
            self.app.phase = BuildPhase.WRITING
            self.write_doc_serialized(docname, doctree)
            self.write_doc(docname, doctree)
        return {
            "index": index_tables(self.indexer) if self.indexer is not None else None,
            "images": {uri: name for uri, name in self.images.items() if images_before.get(uri) != name},
            "effects": effects_in_worker(before),
        }

    # As Sphinx does: the first page in this process warms the caches and compiles the templates the
    # workers inherit.
    firstname, docnames = docnames[0], docnames[1:]
    self.app.phase = BuildPhase.RESOLVING
    doctree = self.env.get_and_resolve_doctree(firstname, self)
    self.app.phase = BuildPhase.WRITING
    self.write_doc_serialized(firstname, doctree)
    self.write_doc(firstname, doctree)
    del doctree

    workers = self.app.parallel
    chunks = make_chunks(docnames, workers)
    progress = status_iterator(chunks, __("writing output... "), "darkgreen", len(chunks), self.app.verbosity)

    def merge(docs: list[str], result: dict[str, Any]) -> None:
        if result["index"] is not None:
            merge_index_tables(self.indexer, result["index"])
        self.images.update(result["images"])
        EFFECTS.update(result["effects"])
        observed(WRITE)  # one chunk resolved, indexed and written by a worker
        next(progress)

    run_in_workers(workers, chunks, write_process, merge)


def use_parallel_read(app: Sphinx) -> None:
    app.connect("builder-inited", lambda app: setattr(app.builder, "_read_parallel", types.MethodType(read_in_parallel, app.builder)))


def writes_like_the_html_builder(builder) -> bool:
    """Only where write_doc_serialized is the HTML builder's own, whose side effects (the search index
    and the images to copy) are exactly what a worker sends back."""
    return isinstance(builder, StandaloneHTMLBuilder) and (
        type(builder).write_doc_serialized is StandaloneHTMLBuilder.write_doc_serialized
    )


def use_parallel_write(app: Sphinx) -> None:
    def install(app: Sphinx) -> None:
        if writes_like_the_html_builder(app.builder):
            app.builder._write_parallel = types.MethodType(write_in_parallel, app.builder)

    app.connect("builder-inited", install)


SPHINX_7_4 = {"sphinx": ("7.4.7",)}
PATCHES = (
    Patch(
        name=READ,
        written_for=SPHINX_7_4,
        upstream="https://github.com/sphinx-doc/sphinx/issues/11448 (closest: the parallel build pickles whole "
        "environments; no issue filed on the bytes growing with the book)",
        pays="at 10,111 pages the main process spent 157 s unpickling environments; the real book used 1.2 of 2 cores",
        effect="chunks read by a worker that sent back only its own pages",
        apply=use_parallel_read,
    ),
    Patch(
        name=WRITE,
        written_for=SPHINX_7_4,
        upstream="https://github.com/sphinx-doc/sphinx/issues/10779 (parallel write resolves every page in the main process)",
        pays="at 10,111 pages the main process took 242 of the write phase's 300 s",
        effect="chunks resolved, indexed and written by a worker",
        apply=use_parallel_write,
    ),
)
