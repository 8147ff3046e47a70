"""How the extension reads the chapter notebooks.

- source-read: put a first cell in each chapter notebook that tells its kernel which inputs the
  chapter declares (records/inputs.py) and holds their digest, so jupyter-cache (which keys on a
  notebook's code) re-executes a chapter only when a file it reads changes; and hold the chapter's
  lock until it is read, waiting while it runs ahead of the second pass (runahead.py), so its
  execution then comes from the cache.
- env-get-outdated: re-read the chapters whose declared inputs changed.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from ..records.inputs import chapter_digest, declared_inputs
from . import runahead
from .notebooks import chapter_notebooks, is_chapter_notebook, with_inputs_cell
from .settings import DEFER_CHAPTERS

logger = logging.getLogger(__name__)


def chapter_inputs_digest(app: Sphinx, docname: str, text: str) -> tuple[list[str], str]:
    """(the inputs a chapter declares, their digest); a missing or wrong declaration is a build error."""
    names, problem = declared_inputs(text)
    if problem:
        logger.error(f"{problem}", location=docname, type="evidencebook", subtype="inputs")
    return names, chapter_digest(names, app.evidencebook_input_digests)  # type: ignore[attr-defined]


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    if is_chapter_notebook(docname, text):
        names, digest = chapter_inputs_digest(app, docname, text)
        source[0] = with_inputs_cell(docname, text, names, digest)
        # Not while the chapter runs ahead (runahead.py): wait for it, then take its execution from the cache.
        runahead.claim(Path(app.srcdir), docname)


def release_chapter(app: Sphinx, doctree: nodes.document) -> None:
    runahead.release(app.env.docname)


def on_env_get_outdated(app, env, added, changed, removed):
    if app.config[DEFER_CHAPTERS]:
        # First pass of a two-pass build (build.py): pages now, chapters in the second pass, which still
        # sees the old digests in the environment and so re-executes the chapters whose inputs changed.
        return []
    digests = {}
    for docname in chapter_notebooks(env, env.found_docs):
        names, _ = declared_inputs(Path(env.doc2path(docname)).read_text(encoding="utf-8"))  # reported when read
        digests[docname] = chapter_digest(names, app.evidencebook_input_digests)
    previous = getattr(env, "evidencebook_chapter_digests", {})
    env.evidencebook_chapter_digests = digests
    stale = [doc for doc, digest in digests.items() if previous.get(doc) != digest]
    if stale:
        logger.info(f"[evidencebook] inputs changed: re-executing {len(stale)} chapter(s): {', '.join(sorted(stale))}")
    return stale


def setup_chapter_notebooks(app: Sphinx) -> None:
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", release_chapter)
    app.connect("env-get-outdated", on_env_get_outdated)
