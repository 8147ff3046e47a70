"""vl-convert's drawings of chart specs, kept between builds.

A chapter re-executes when any record changes, but most of its charts count things a small edit leaves
alone (a title, a summary): their specs come out the same, and so would their drawings. Drawing is a
pure function of the spec and the version of vl-convert, and the costliest step of a chart chapter
(about 0.8 s of a 3 s chapter at 1,000 records, with the start of vl-convert's JavaScript engine), so a
drawing is kept under the digest of both and drawn again only for a spec not seen before.

The drawings live in _build/.evidencebook/drawings/ of the book the chapter belongs to, like the other
caches (`make clean` or a fresh clone starts empty); outside a book nothing is kept. Only a build writes
there, and a drawing is kept as vl-convert returned it, so the page gets the same SVG either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from ..records.filecache import CACHE_DIR
from ..records.files import find_root

DRAWINGS_DIR = CACHE_DIR / "drawings"
# More than a book's charts in both layouts with their redrawn facet widths (about 150); beyond it the
# drawings least recently used go, so edits through a day cannot grow the folder without bound.
KEEP = 1000


def vegalite_svg(spec: dict) -> str:
    """vl-convert's SVG of a Vega-Lite spec, from the cache when it has drawn this spec before."""
    import vl_convert as vlc

    folder = _folder()
    if folder is None:
        return vlc.vegalite_to_svg(spec)
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(f"{vlc.__version__}\0{text}".encode()).hexdigest()
    path = folder / f"{key}.svg"
    try:
        svg = path.read_text(encoding="utf-8")
        os.utime(path)  # recently used: kept by the pruning below
        return svg
    except OSError:
        pass
    svg = vlc.vegalite_to_svg(spec)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")  # two kernels may draw the same spec at once
    partial.write_text(svg, encoding="utf-8")
    os.replace(partial, path)
    _prune(folder)
    return svg


def _folder() -> Path | None:
    try:
        return find_root() / DRAWINGS_DIR
    except FileNotFoundError:
        return None


def _prune(folder: Path) -> None:
    entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".svg")]
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[: len(entries) - KEEP]:
        with contextlib.suppress(FileNotFoundError):  # another kernel pruned it first
            os.unlink(entry.path)
