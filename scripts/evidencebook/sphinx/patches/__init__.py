"""Every replacement of another project's internals, in one place.

Each patch (registry.Patch) names the exact versions of the projects it patches, the upstream issue
it works around and what it saves. The extension applies them at config-inited, after checking every
version: a mismatch stops the build with what to do. `evidencebook build --plain-sphinx` (the
configuration value `evidencebook_patches = False`) applies none; `evidencebook_patches_off` leaves
out the ones it names. Each build writes what was applied, and how often each patch's code ran since
Sphinx last started from a fresh environment, to _build/.evidencebook/patches.json (tests check it).
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from ...records.filecache import CACHE_DIR
from ..settings import PATCHES as PATCHES_ON
from ..settings import PATCHES_OFF
from . import (
    bibtex,
    external_toc,
    notebook_cache,
    parallel_safe,
    pybtex_plugins,
    sphinx_first_pass,
    sphinx_parallel,
    sphinx_search,
    theme_sidebar,
)
from .registry import EFFECTS, Patch, check_versions

PATCHES: tuple[Patch, ...] = (
    *sphinx_parallel.PATCHES,
    sphinx_first_pass.PATCH,
    parallel_safe.PATCH,
    notebook_cache.PATCH,
    sphinx_search.PATCH,
    *bibtex.PATCHES,
    pybtex_plugins.PATCH,
    external_toc.PATCH,
    theme_sidebar.PATCH,
)
RECORD = CACHE_DIR / "patches.json"


def chosen_patches(config) -> tuple[Patch, ...]:
    if not config[PATCHES_ON]:
        return ()
    off = set(config[PATCHES_OFF])
    unknown = off - {patch.name for patch in PATCHES}
    if unknown:
        raise ExtensionError(
            f"{PATCHES_OFF} names no such patch: {', '.join(sorted(unknown))} "
            f"(the patches are: {', '.join(patch.name for patch in PATCHES)})"
        )
    return tuple(patch for patch in PATCHES if patch.name not in off)


def apply_patches(app: Sphinx, config) -> None:
    """At config-inited: check every chosen patch's versions, then apply them all."""
    chosen = chosen_patches(config)
    check_versions(chosen)
    for patch in chosen:
        patch.apply(app)
    app.evidencebook_patches = chosen  # type: ignore[attr-defined]


def write_record(app: Sphinx, exception) -> None:
    """At build-finished: which patches this build applied, and how often each one's code ran since
    Sphinx last started from a fresh environment. An incremental build rewrites only some pages (a
    patch for case pages may have nothing to do), so its counts add to those of the builds before it
    that made the same site, with the same patches."""
    if exception is not None:
        return
    chosen = getattr(app, "evidencebook_patches", ())
    path = Path(app.srcdir) / RECORD
    previous = {}
    if not app.fresh_env_used:
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    if sorted(previous.get("applied", {})) != sorted(patch.name for patch in chosen):
        previous = {}
    counted = {name: entry.get("count", 0) for name, entry in previous.get("applied", {}).items()}
    record = {
        "enabled": bool(app.config[PATCHES_ON]),
        "builds": previous.get("builds", 0) + 1,
        "applied": {
            patch.name: {
                "written_for": patch.written_for,
                "effect": patch.effect,
                "count": counted.get(patch.name, 0) + EFFECTS[patch.name],
            }
            for patch in chosen
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def setup_patches(app: Sphinx) -> None:
    app.connect("config-inited", apply_patches, priority=100)  # before anything the patches change runs
    app.connect("build-finished", write_record)
