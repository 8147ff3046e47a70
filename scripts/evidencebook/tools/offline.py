"""The offline edition (`make offline`, issue #22): the built site as one zip, to unzip and open from disk.

The site itself works from file:// with no network (the scripts that filter the catalogue and the
outcomes load their data as scripts there, static/js/kb-dom.js; the search page lists results without
snippets, static/js/kb-search.js; charts draw from the specs in their pages), so the zip is a plain copy
of _build/html, nothing rewritten: every file under one folder named after the edition, sorted, each
with the same fixed time and permissions, so the same site always gives the same bytes. The published
site links the latest one at a stable address (OFFLINE_PATH, records/book.py), where CI puts it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..records.book import OFFLINE_PATH, PDF_PATH

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build's clock reaches the bytes
FILE_MODE = 0o644
# Not part of the edition: Sphinx's build marker and the book's build stamp (sphinx/build.py, STAMP), the
# copy of the offline edition CI publishes in the site, and the whole-book PDF (`make pdf`, some 20 MB,
# downloaded on its own).
SKIPPED = {".buildinfo", ".buildinfo.bak", ".evidencebook-build.json", PDF_PATH}
SKIPPED_DIRS = {OFFLINE_PATH.split("/")[0]}


def zip_name(edition: str) -> str:
    return f"evidence-book-{edition or 'unversioned'}.zip"


def site_files(site: Path) -> list[str]:
    """The site's files as paths relative to `site`, sorted; symbolic links are refused."""
    files = []
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        if relative.parts[0] in SKIPPED_DIRS or path.name in SKIPPED:
            continue
        if path.is_symlink():
            raise ValueError(f"{relative}: a symbolic link has no place in the offline edition")
        if path.is_file():
            files.append(relative.as_posix())
    return sorted(files)


def write_offline_zip(site: Path, out: Path, edition: str) -> Path:
    """Zip every file of the built site `site` under the folder evidence-book-<edition>/ into `out`."""
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no built site in {site}: run `make book` first")
    folder = zip_name(edition).removesuffix(".zip")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in site_files(site):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | FILE_MODE) << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever system wrote it
            archive.writestr(info, (site / name).read_bytes(), compresslevel=9)
    partial.replace(out)  # never a half-written zip under the real name
    return out
