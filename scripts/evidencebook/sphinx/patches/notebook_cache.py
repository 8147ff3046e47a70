"""jupyter-cache expects one writer. Storing an executed notebook (`cache_notebook_bundle`) adds its
record to the database, then writes the notebook's file, then deletes "the oldest records beyond the
cache's limit", found by two queries: the records to keep, then every record not among them. In the
parallel read two workers execute chapters at once, so a record another worker adds between those two
queries is taken for an old one and deleted. If its file is not written yet, the build fails with
`KeyError: 'Notebook file does not exist for cache record PK: 3'` (CI, 2026-12-03: two test books' builds
failed so); if it is, a chapter just executed is dropped from
the cache and runs again next time. One store at a time, across processes, by a lock file in the cache
folder: the queries then never see a half-stored record."""

from __future__ import annotations

import fcntl
from functools import wraps
from pathlib import Path

from sphinx.application import Sphinx

from .registry import Patch, observed

NAME = "notebook-cache-one-store-at-a-time"
LOCK_FILE = "evidencebook-store.lock"  # in the cache folder, beside jupyter-cache's global.db


def one_store_at_a_time(store):
    @wraps(store)
    def locked_store(self, *args, **kwargs):
        with open(Path(self.path) / LOCK_FILE, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            observed(NAME)
            return store(self, *args, **kwargs)

    locked_store.evidencebook_patched = True
    return locked_store


def serialise_notebook_stores(app: Sphinx) -> None:
    from jupyter_cache.cache.main import JupyterCacheBase

    if not getattr(JupyterCacheBase.cache_notebook_bundle, "evidencebook_patched", False):  # a second build in one process
        JupyterCacheBase.cache_notebook_bundle = one_store_at_a_time(JupyterCacheBase.cache_notebook_bundle)


PATCH = Patch(
    name=NAME,
    written_for={"jupyter-cache": ("1.0.1",)},
    upstream="https://github.com/executablebooks/jupyter-cache/issues/37 (parallel execution is not implemented, "
    "so the cache was never made safe for two writers; no issue filed for this race)",
    pays="not a speed-up: without it two chapters executed at once can fail the build or drop a cached chapter",
    effect="executed notebooks stored in the cache, one at a time",
    apply=serialise_notebook_stores,
)
