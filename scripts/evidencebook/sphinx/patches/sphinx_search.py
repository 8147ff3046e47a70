"""Sphinx 7.4's search index, made to publish the same index after an incremental build as after a
clean one, and to escape section titles.

Sphinx 7.4 rebuilds searchindex.js from the previous one plus the pages it rewrites, but loses the
index entries (glossary terms, for one) of every page it did not rewrite (they are collected while
writing, after the environment is saved) and keeps words no page holds any more. The entries are
restored from the previous index, emptied words dropped, and entries written in a fixed order.

Sphinx 7's search page also shows section titles with innerHTML, taking them unescaped from the
index's `alltitles` (page titles, in `titles`, are escaped): a case study's title holding
<img onerror=...> would run when a reader searches for it. The titles are escaped as the index is
written and unescaped as it is read back, so an incremental build never escapes them twice. Sphinx
8.2 escapes them in searchtools.js itself, so on any other Sphinx than the one this was written for,
the registry stops the build rather than escape twice.
"""

from __future__ import annotations

import html

from sphinx.application import Sphinx

from .registry import Patch, observed

NAME = "sphinx-search-index"


def make_search_index_incremental(app: Sphinx) -> None:
    from sphinx.search import IndexBuilder

    if getattr(IndexBuilder, "evidencebook_patched", False):
        return
    load, prune, freeze = IndexBuilder.load, IndexBuilder.prune, IndexBuilder.freeze

    class Remember:
        def __init__(self, fmt):
            self.fmt, self.frozen = fmt, None

        def load(self, stream):
            self.frozen = self.fmt.load(stream)
            return self.frozen

    def load_keeping_entries(self, stream, format):
        remember = Remember(self.formats[format] if isinstance(format, str) else format)
        load(self, stream, remember)
        self._all_titles = {
            docname: [(html.unescape(title), anchor) for title, anchor in titles]
            for docname, titles in self._all_titles.items()
        }
        index2fn = remember.frozen["docnames"]
        restored: dict[str, list] = {}
        for name, places in remember.frozen.get("indexentries", {}).items():
            for doc, anchor, main in places:
                restored.setdefault(index2fn[doc], []).append((name, anchor, "main" if main else ""))
        for docname, entries in restored.items():
            self._index_entries.setdefault(docname, sorted(entries))

    def prune_emptied(self, docnames):
        docnames = set(docnames)
        prune(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for word in [w for w, found in mapping.items() if not found]:
                del mapping[word]
        for docname in [d for d in self._index_entries if d not in docnames]:
            del self._index_entries[docname]

    def freeze_sorted(self):
        frozen = freeze(self)
        frozen["indexentries"] = {name: sorted(places) for name, places in sorted(frozen["indexentries"].items())}
        frozen["alltitles"] = {html.escape(title, quote=True): found for title, found in frozen["alltitles"].items()}
        observed(NAME)
        return frozen

    IndexBuilder.load, IndexBuilder.prune, IndexBuilder.freeze = load_keeping_entries, prune_emptied, freeze_sorted
    IndexBuilder.evidencebook_patched = True


PATCH = Patch(
    name=NAME,
    written_for={"sphinx": ("7.4.7",)},
    upstream="https://github.com/sphinx-doc/sphinx/issues/13355 (titles escaped by searchtools.js from Sphinx 8.2); "
    "the entries lost by an incremental build: no upstream issue filed",
    pays="not a speed-up: without it an incremental build publishes a different search index from a clean one, "
    "and a section title can run script on the search page",
    effect="search indexes written with sorted entries and escaped titles",
    apply=make_search_index_incremental,
)
