"""sphinxcontrib-bibtex 2.7.0, made to cost the same per citation at ten thousand case pages as at a
hundred, and not to format the whole bibliography again on every build."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

from sphinx.application import Sphinx

from ...records.filecache import FileCache, library_digest
from .registry import Patch, observed

FORMATTED_CACHE = "sphinxcontrib-bibtex-formatted-cache"
INDEXED_CITATIONS = "sphinxcontrib-bibtex-indexed-citations"


def cache_formatted_entries(app: Sphinx) -> None:
    """sphinxcontrib-bibtex formats every entry of every bibliography on every build, even when one
    record changed and no citation did: a second or more before any page can be written. Keep its
    result (in the book's _build/) keyed by the bibliography files' text, the directive's options and
    which entries it lists in which order; format afresh whenever any of that changes. A result holding
    an entry pybtex could not format (which sphinxcontrib-bibtex reports as a warning) is never kept,
    so that warning is raised by every build."""
    from pybtex.richtext import Text
    from sphinxcontrib.bibtex.domain import BibtexDomain

    original = BibtexDomain.get_formatted_entries
    if getattr(original, "evidencebook_cached", False):
        return

    def get_formatted_entries(self, bibliography_key, docnames, tooltips, tooltips_style):
        bibliography = self.bibliographies[bibliography_key]
        entries = dict(self.get_sorted_entries(bibliography_key, docnames))
        h = hashlib.sha256(repr((bibliography.style, bibliography.labelprefix, tooltips, tooltips_style, list(entries))).encode())
        for path in bibliography.bibfiles:
            h.update(Path(path).read_bytes())
        versions = library_digest() + " ".join(version(name) for name in ("pybtex", "sphinxcontrib-bibtex"))
        cache = FileCache.open(Path(self.env.srcdir), "bibtex-formatted", versions)
        name = f"{bibliography_key.docname}#{bibliography_key.id_}"
        digest = h.hexdigest()
        observed(FORMATTED_CACHE)
        hit, formatted = cache.get(name, digest)
        if hit:
            return [(entries[key], entry, tooltip) for key, entry, tooltip in formatted]
        results = list(original(self, bibliography_key, docnames, tooltips, tooltips_style))
        if all(isinstance(entry.text, Text) for _, entry, _ in results):
            cache.put(name, digest, [(e.key, entry, tooltip) for e, entry, tooltip in results])
            cache.save()
        return results

    get_formatted_entries.evidencebook_cached = True
    BibtexDomain.get_formatted_entries = get_formatted_entries


def get_all_cited_keys(self, docnames):
    """sphinxcontrib-bibtex 2.7.0's BibtexDomain.get_all_cited_keys, with one change: each citation's
    page is found in an index instead of by `docnames.index` (citations x pages: 6 s at 10,111 case
    pages, growing with the square of the book). The order is the same; a page not in `docnames`
    raises ValueError as before."""
    observed(INDEXED_CITATIONS)
    position = {docname: i for i, docname in enumerate(docnames)}

    def page_position(citation_ref) -> int:
        found = position.get(citation_ref.docname)
        return found if found is not None else docnames.index(citation_ref.docname)

    for citation_ref in sorted(self.citation_refs, key=page_position):
        for target in citation_ref.targets:
            yield target.key


def get_filtered_entries(self, bibliography_key):
    """sphinxcontrib-bibtex 2.7.0's BibtexDomain.get_filtered_entries, with one change: the documents
    citing each key are looked up in an index built once, instead of scanning every citation of the
    book for every entry (entries x citations: seconds per build at a thousand case pages, and growing
    with the square of the book)."""
    from sphinxcontrib.bibtex.domain import _FilterVisitor, logger

    observed(INDEXED_CITATIONS)
    cited: defaultdict[str, set[str]] = defaultdict(set)
    for citation_ref in self.citation_refs:
        for target in citation_ref.targets:
            cited[target.key].add(citation_ref.docname)
    bibliography = self.bibliographies[bibliography_key]
    for entry in self.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        cited_docnames = set(cited.get(key, ()))
        visitor = _FilterVisitor(entry=entry, docname=bibliography_key.docname, cited_docnames=cited_docnames)
        try:
            success = visitor.visit(bibliography.filter_)
        except ValueError as err:
            logger.warning(
                f"syntax error in :filter: expression; {err}",
                location=(bibliography_key.docname, bibliography.line),
                type="bibtex",
                subtype="filter_syntax_error",
            )
            success = bool(cited_docnames)  # the original's fallback
        if success or entry.key in bibliography.keys:
            yield key, entry


def index_citations(app: Sphinx) -> None:
    from sphinxcontrib.bibtex.domain import BibtexDomain

    BibtexDomain.get_filtered_entries = get_filtered_entries
    BibtexDomain.get_all_cited_keys = get_all_cited_keys


BIBTEX_2_7 = {"sphinxcontrib-bibtex": ("2.7.0",)}
PATCHES = (
    Patch(
        name=FORMATTED_CACHE,
        written_for={**BIBTEX_2_7, "pybtex": ("0.26.1",)},
        upstream="no upstream issue filed",
        pays="formatting the bibliography again on every build: a second or more before any page is written",
        effect="bibliographies looked up in the cache of formatted entries",
        apply=cache_formatted_entries,
    ),
    Patch(
        name=INDEXED_CITATIONS,
        written_for=BIBTEX_2_7,
        upstream="no upstream issue filed",
        pays="entries x citations and citations x pages lookups: 6 s of the cited-key order alone at 10,111 pages",
        effect="filtered-entry and cited-key computations done through an index",
        apply=index_citations,
    ),
)
