"""Sphinx 7.4 keeps the bytes of every doctree it loads for writing (`env._pickled_doctree_cache`)
until the build ends: with ten thousand case pages that is most of the build's memory. A page's
doctree is resolved once, just before it is written; its bytes are dropped then (anything that needs
it again reads it from disk)."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from .registry import Patch, observed

NAME = "sphinx-doctree-cache-release"


def forget_written_doctree(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.env._pickled_doctree_cache.pop(docname, None) is not None:
        observed(NAME)


PATCH = Patch(
    name=NAME,
    written_for={"sphinx": ("7.4.7",)},
    upstream="https://github.com/sphinx-doc/sphinx/issues/11124 (the doctree caches' unbounded memory; "
    "Sphinx 7.4 still keeps every doctree's bytes until the build ends)",
    pays="memory, not time: the cache holds every written page's doctree bytes (see docs/performance.md)",
    effect="doctrees whose bytes were dropped once written",
    apply=lambda app: app.connect("doctree-resolved", forget_written_doctree),
)
