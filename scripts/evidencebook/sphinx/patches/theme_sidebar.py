"""The book theme renders the book's navigation afresh for every page (88 s of CPU at 10,111 pages).
A case page is not in the navigation, so nothing in its sidebar is marked as current and its links
only depend on its folder: every case page of a folder has the same sidebar. It is rendered once per
folder and process.

Applied at config-inited, before the theme is loaded (with the builder), so the theme connects this
wrapper of its own html-page-context handler."""

from __future__ import annotations

import functools
import posixpath
from typing import Any

from markupsafe import Markup
from sphinx.application import Sphinx

from ...publish.render import CASES_DIR
from .registry import Patch, observed

NAME = "theme-sidebar-once-per-folder"


def navigation_pages(env: Any) -> set[str]:
    """The pages in the book's navigation: the root and every page some toctree includes."""
    pages = {env.config.root_doc, *env.toctree_includes}
    for included in env.toctree_includes.values():
        pages.update(included)
    return pages


def memoize_case_navigation(app: Sphinx) -> None:
    from pydata_sphinx_theme import toctree

    original = toctree.add_toctree_functions
    if getattr(original, "evidencebook_memoized", False):
        return

    def add_toctree_functions(app, pagename, templatename, context, doctree):
        original(app, pagename, templatename, context, doctree)
        if not pagename.startswith(CASES_DIR + "/"):
            return
        # Kept on the builder: one per build and process, and never pickled with the environment.
        memo = app.builder.__dict__.setdefault("evidencebook_sidebars", {})
        if "navigation" not in memo:  # the toctrees do not change while pages are written
            memo["navigation"] = navigation_pages(app.env)
        if pagename in memo["navigation"]:
            return
        generate = context["generate_toctree_html"]

        @functools.wraps(generate)
        def generate_once_per_folder(kind: str, startdepth: int = 1, show_nav_level: int = 1, **kwargs):
            if kind != "sidebar":  # "raw" returns a mutable BeautifulSoup tree
                return generate(kind, startdepth, show_nav_level, **kwargs)
            observed(NAME)
            key = (posixpath.dirname(pagename), startdepth, show_nav_level, tuple(sorted(kwargs.items())))
            if key not in memo:
                # The theme returns a BeautifulSoup tree, which the template prints with str(): keep the
                # printed text, or every page serialises the whole tree again (14 s of CPU at 10,111).
                memo[key] = Markup(str(generate(kind, startdepth, show_nav_level, **kwargs)))
            return memo[key]

        context["generate_toctree_html"] = generate_once_per_folder

    add_toctree_functions.evidencebook_memoized = True
    toctree.add_toctree_functions = add_toctree_functions


PATCH = Patch(
    name=NAME,
    written_for={"pydata-sphinx-theme": ("0.17.1",), "sphinx-book-theme": ("1.3.0",)},
    upstream="https://github.com/pydata/pydata-sphinx-theme/issues/364 (the sidebar of a large site is slow to "
    "render on every page)",
    pays="88 s of CPU at 10,111 pages, plus 14 s serialising the sidebar's tree per page",
    effect="case-page sidebars served once per folder",
    apply=memoize_case_navigation,
)
