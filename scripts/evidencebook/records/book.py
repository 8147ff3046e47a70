"""The book's own facts, configured once in _config.yml: its title, editors, edition, repository and
address; and where a build comes from (the source commit and its date).

    title: Place-based health and care evidence book
    author: The place-based health and care evidence book contributors
    edition: "2026.12.0"           # calendar version: year.month.release; `make release` tags it, then bumps it
    repository: {url: https://github.com/owner/name, branch: main, path_to_book: ""}
    html: {baseurl: https://owner.github.io/name/}

Everything that links to the repository (edit and issue-form links, the footer's commit, CITATION.cff)
or to the published site (citations, the CSV exports) derives from these values.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .files import find_root
from .inputs import require
from .yamlsafe import load_yaml_text

CONFIG = "_config.yml"
EDITION = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d+)$")  # 2026.12.0: year, month, release in that month
UNKNOWN = "unknown"
# Where the published site keeps the latest offline edition (`make offline`, tools/offline.py): CI copies
# the zip there, and the home page links it at this address under the site's.
OFFLINE_PATH = "offline/evidence-book.zip"
# The whole book as one PDF (`make pdf`, tools/pdfbook.py), written into the site's root; CI publishes it.
PDF_PATH = "evidence-book.pdf"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    edition: str
    repository: str  # https://github.com/owner/name, no trailing slash
    branch: str
    path_to_book: str  # the book's folder in the repository: "" at its root, else "folder/"
    site: str  # the published site's address, ending in "/" ("" when not configured)

    @property
    def year(self) -> str:
        """The edition's year: the year a citation gives."""
        match = EDITION.match(self.edition)
        return match.group(1) if match else ""

    def page_url(self, docname: str) -> str:
        """The published address of a page (relative when the site's address is not configured)."""
        return f"{self.site}{docname}.html"

    @property
    def offline_url(self) -> str:
        """The latest offline edition on the published site (relative when its address is not configured)."""
        return f"{self.site}{OFFLINE_PATH}"

    @property
    def pdf_url(self) -> str:
        """The latest whole-book PDF on the published site (relative when its address is not configured)."""
        return f"{self.site}{PDF_PATH}"

    def source_url(self, path: str, action: str = "blob") -> str:
        """A file of the book on the repository: action "blob" shows it, "edit" opens GitHub's editor."""
        return f"{self.repository}/{action}/{self.branch}/{self.path_to_book}{path}"


def read_book(root: Path) -> Book:
    """The book's settings from root/_config.yml; missing values fall back to empty or "main"."""
    path = root / CONFIG
    loaded = load_yaml_text(path.read_text(encoding="utf-8")) if path.is_file() else None
    data = loaded.data if loaded is not None and not loaded.problems and isinstance(loaded.data, dict) else {}

    def section(name: str) -> dict:
        value = data.get(name)
        return value if isinstance(value, dict) else {}

    def text(value) -> str:
        return str(value).strip() if isinstance(value, (str, int, float)) else ""

    repository, html = section("repository"), section("html")
    site = text(html.get("baseurl"))
    folder = text(repository.get("path_to_book")).strip("/")
    return Book(
        title=text(data.get("title")),
        author=text(data.get("author")),
        edition=text(data.get("edition")),
        repository=text(repository.get("url")).rstrip("/"),
        branch=text(repository.get("branch")) or "main",
        path_to_book=f"{folder}/" if folder else "",
        site=site if not site or site.endswith("/") else site + "/",
    )


def book_settings() -> Book:
    """The book's settings, for a chapter (which declares the `book` input to read them)."""
    require("book")
    return read_book(find_root())


def edition_problem(edition: str) -> str | None:
    """Why `edition` is not a calendar version year.month.release, or None."""
    match = EDITION.match(edition)
    if not match:
        return f"edition {edition!r} is not a calendar version such as 2026.12.0 (year.month.release)"
    if not 1 <= int(match.group(2)) <= 12:
        return f"edition {edition!r}: month {match.group(2)} is not 1 to 12"
    return None


# --- where a build comes from ----------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    commit: str  # the full hash of the source commit, or "" when the book is not a git checkout
    date: str  # the build date, ISO (YYYY-MM-DD), or "" when unknown

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit else UNKNOWN


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def source_provenance(root: Path) -> Provenance:
    """The commit the book is built from and its date. The date is the commit's, not today's: a build of
    the same commit says the same on every page, so rebuilding it rewrites nothing. Without git (a
    tarball) both are unknown: a date from the clock would differ on every rebuild of the same source."""
    commit = _git(root, "rev-parse", "--verify", "HEAD^{commit}")
    if re.fullmatch(r"[0-9a-f]{40,64}", commit):
        stamp = _git(root, "log", "-1", "--format=%cI", commit)
        try:
            return Provenance(commit, datetime.fromisoformat(stamp).astimezone(UTC).date().isoformat())
        except ValueError:
            return Provenance(commit, "")
    return Provenance("", "")


def long_date(iso: str) -> str:
    """2026-12-03 -> "3 December 2026", as UK references write dates."""
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"  # not %B: that follows the machine's locale
