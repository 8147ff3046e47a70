"""pybtex looks a plugin up (scanning every installed package's entry points) each time it formats or
renders an entry: about 20 ms a call. sphinxcontrib-bibtex calls that lookup once per citation; the
answer never changes within a process, so it is remembered.

pybtex binds the lookup when it is imported; the registry replaces it when the extension is set up
(config-inited), before sphinxcontrib-bibtex formats anything. The book's own formatting
(records/bib.py) looks the text backend up once and needs no patch."""

from __future__ import annotations

import functools

from sphinx.application import Sphinx

from .registry import Patch, observed

NAME = "pybtex-plugin-lookup-cache"


def cache_plugin_lookup(app: Sphinx) -> None:
    import pybtex.plugin

    if getattr(pybtex.plugin._load_entry_point, "evidencebook_cached", False):
        return
    lookup = functools.lru_cache(maxsize=None)(pybtex.plugin._load_entry_point)

    def load_entry_point(group, name, use_aliases=False):
        observed(NAME)
        return lookup(group, name, use_aliases)

    load_entry_point.evidencebook_cached = True
    pybtex.plugin._load_entry_point = load_entry_point


PATCH = Patch(
    name=NAME,
    written_for={"pybtex": ("0.26.1",)},
    upstream="no upstream issue filed (pybtex is not on GitHub; Pygments made the same change: "
    "https://github.com/pygments/pygments/pull/2979)",
    pays="each uncached lookup scans every installed package's entry points (see docs/performance.md)",
    effect="plugin lookups answered from the cache",
    apply=cache_plugin_lookup,
)
