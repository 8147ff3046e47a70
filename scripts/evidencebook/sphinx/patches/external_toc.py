"""sphinx-external-toc 1.1.0 (its numbering styles, executablebooks/sphinx-external-toc#112) replaces
Sphinx's table-of-contents collector. After Sphinx numbers the sections, the new one deep-copies every
page's title node (`env.titles_old`) and compares each page's number before and after restyling.
When no table of contents is numbered, as in this book, every number is None before and after: the
copy and the comparisons change nothing, but cost 0.3 to 0.5 s in every build at 10,000 records, and
the copy, kept in the environment, is 1.6 MB of the 29 MB pickled and loaded by every build. With no
numbered table of contents, this runs Sphinx's own numbering alone and keeps no copy."""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment.collectors.toctree import TocTreeCollector

from .registry import Patch, observed

NAME = "external-toc-numbering-only-when-numbered"


def number_sections_only_when_numbered(app: Sphinx) -> None:
    from sphinx_external_toc.collectors import TocTreeCollectorWithStyles

    restyle = TocTreeCollectorWithStyles.assign_section_numbers
    if getattr(restyle, "evidencebook_patched", False):  # a second build in one process
        return

    def assign_section_numbers(self, env):
        if env.numbered_toctrees:
            return restyle(self, env)
        observed(NAME)
        env.titles_old = {}  # sphinx-external-toc reads it only to restyle numbers, and there are none
        return TocTreeCollector.assign_section_numbers(self, env)

    assign_section_numbers.evidencebook_patched = True
    TocTreeCollectorWithStyles.assign_section_numbers = assign_section_numbers


PATCH = Patch(
    name=NAME,
    written_for={"sphinx-external-toc": ("1.1.0",)},
    upstream="no upstream issue filed (the restyling came with executablebooks/sphinx-external-toc#112)",
    pays="0.3 to 0.5 s in every build at 10,000 records, and 1.6 MB of the environment each build loads "
    "(docs/performance.md)",
    effect="section numberings with no numbered table of contents, done without the copy",
    apply=number_sections_only_when_numbered,
)
