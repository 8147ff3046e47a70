"""The first pass of a two-pass build (build.py) is there to show the changed case pages within seconds;
the second pass follows at once and rebuilds what the first one touched. Two things Sphinx 7.4.7 saves
in the first pass are left as the last complete build saved them, for the second pass to bring up to
date, since at 10,000 records each costs about a second before the new page can appear:

- **The environment.** `Builder.build` pickles it (29 MB) after reading and before writing any page.
  This copy of `Builder.build` does not in the first pass, so the second pass loads the environment
  of the last complete build, finds the pages the first pass read still newer than its record of
  them, and reads and writes them again (well under a second for the few pages one edit changes).
- **The search index.** The HTML builder loads the whole index before writing (to keep the entries
  of pages it does not rewrite) and writes it out at the end. In the first pass both are skipped: the
  published index stays the last complete build's until the second pass indexes the pages again.

The result is the one a single build gives (tests/test_build.py compares them). Everything else is
Sphinx's code as it is."""

from __future__ import annotations

import pickle
from os import path

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.build_phase import BuildPhase
from sphinx.util.console import bold
from sphinx.util.display import progress_message
from sphinx.util.parallel import SerialTasks, parallel_available

from ..settings import DEFER_CHAPTERS
from .registry import Patch, observed

logger = logging.getLogger("sphinx.builders")

NAME = "sphinx-first-pass-keeps-saved-state"


def build_without_saving_in_the_first_pass(self, docnames, summary=None, method="update") -> None:
    """Sphinx 7.4.7's Builder.build; the environment is pickled unless this is the first pass."""
    observed(NAME)
    if summary:
        logger.info(bold(__("building [%s]: ")) + summary, self.name)

    # while reading, collect all warnings from docutils
    with logging.pending_warnings():
        updated_docnames = set(self.read())

    doccount = len(updated_docnames)
    logger.info(bold(__("looking for now-outdated files... ")), nonl=True)
    updated_docnames.update(self.env.check_dependents(self.app, updated_docnames))
    outdated = len(updated_docnames) - doccount
    if outdated:
        logger.info(__("%d found"), outdated)
    else:
        logger.info(__("none found"))

    if updated_docnames:
        if not self.app.config[DEFER_CHAPTERS]:  # the second pass reads these pages again
            # save the environment
            from sphinx.application import ENV_PICKLE_FILENAME

            with progress_message(__("pickling environment")), open(
                path.join(self.doctreedir, ENV_PICKLE_FILENAME), "wb"
            ) as f:
                pickle.dump(self.env, f, pickle.HIGHEST_PROTOCOL)

        # global actions
        self.app.phase = BuildPhase.CONSISTENCY_CHECK
        with progress_message(__("checking consistency")):
            self.env.check_consistency()
    else:
        if method == "update" and not docnames:
            logger.info(bold(__("no targets are out of date.")))
            return

    self.app.phase = BuildPhase.RESOLVING

    # filter "docnames" (list of outdated files) by the updated
    # found_docs of the environment; this will remove docs that
    # have since been removed
    if docnames and docnames != ["__all__"]:
        docnames = set(docnames) & self.env.found_docs

    # determine if we can write in parallel
    if parallel_available and self.app.parallel > 1 and self.allow_parallel:
        self.parallel_ok = self.app.is_parallel_allowed("write")
    else:
        self.parallel_ok = False

    # for now, just execute the "finish-up" tasks serially (as Sphinx does)
    self.finish_tasks = SerialTasks()

    # write all "normal" documents (or everything for some builders)
    self.write(docnames, list(updated_docnames), method)

    # finish (write static files etc.)
    self.finish()

    # wait for all tasks
    self.finish_tasks.join()


def leave_the_search_index_to_the_second_pass(app: Sphinx) -> None:
    """At builder-inited: in the first pass, this builder neither loads nor writes the search index (its
    pages are still indexed as they are written, into an index that is then dropped)."""
    if app.config[DEFER_CHAPTERS] and app.builder.format == "html":
        app.builder.load_indexer = lambda docnames: None
        app.builder.dump_search_index = lambda: None


def keep_saved_state_in_the_first_pass(app: Sphinx) -> None:
    Builder.build = build_without_saving_in_the_first_pass  # the same function for every build in a process
    app.connect("builder-inited", leave_the_search_index_to_the_second_pass)


PATCH = Patch(
    name=NAME,
    written_for={"sphinx": ("7.4.7",)},
    upstream="no upstream issue filed: Sphinx has no setting to leave the environment or the search index "
    "unsaved, which only a build followed at once by another (the book's two passes) can use",
    pays="about 2 s of the time until a new record's page shows at 10,000 records (docs/performance.md)",
    effect="builds run by this copy of Builder.build (the first passes among them saved no environment)",
    apply=keep_saved_state_in_the_first_pass,
)
