"""The Sphinx configuration values through which the build driver (build.py) talks to the extension.

They are passed as configuration overrides (the `-D` of sphinx-build), never as environment
variables, so they last exactly one build. None of them changes what a page says, so none makes
Sphinx re-read or rewrite pages when it changes (rebuild="").
"""

from __future__ import annotations

# False with `evidencebook build --plain-sphinx`: no patch of another project is applied.
PATCHES = "evidencebook_patches"
# Names of patches (patches/__init__.py) to leave out of this build, to measure what each one saves.
PATCHES_OFF = "evidencebook_patches_off"
# True in the first pass of a two-pass build: chapters keep their previous outputs.
DEFER_CHAPTERS = "evidencebook_defer_chapters"

# True in the second pass when chapters were run ahead (runahead.py): the driver prepared the notebook
# cache before the runner started, and it is not checked again while the runner may be writing to it.
CACHE_PREPARED = "evidencebook_notebook_cache_prepared"

CONFIG_VALUES = ((PATCHES, True), (PATCHES_OFF, []), (DEFER_CHAPTERS, False), (CACHE_PREPARED, False))
