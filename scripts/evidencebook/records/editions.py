"""The list of an edition's pages, data/editions/<edition>-pages.txt: the address of every page the
edition published, relative to the site's root, one a line (`make release` writes it, tools/release.py).

Addresses are promises: a later edition keeps every one of them working, as the page itself or as a
redirect to where it went (a renamed case study lists its old id in `previous_ids`). The lists are in
the repository, so a pull request can change them: they are read like every other input, with a size
limit, as UTF-8, and each line checked, a bad one reported by its line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .book import edition_problem
from .problems import Problem
from .yamlsafe import decode_utf8, read_file

EDITIONS_DIR = "editions"  # under data/
PAGES_SUFFIX = "-pages.txt"
MAX_BYTES = 1024 * 1024  # about 20,000 addresses; the book has a few hundred pages
# A page's path as the build writes it: folders and a name of letters, digits, '_', '-' and '.', ending
# .html; no leading '/', no '..', no empty part, nothing a URL would have to escape.
PAGE_PATH = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.html$")
PATH_FIX = "write one page per line, relative to the site's root, e.g. cases/wigan-deal.html (letters, digits, '-', '_', '.' and '/', ending .html)"


def pages_file(root: Path, edition: str) -> Path:
    return root / "data" / EDITIONS_DIR / f"{edition}{PAGES_SUFFIX}"


def page_list_text(paths: list[str]) -> str:
    """The file's text: the paths sorted, one a line. Each is checked, since the file is read back as untrusted."""
    bad = [path for path in paths if not PAGE_PATH.fullmatch(path) or ".." in path]
    if bad:
        raise ValueError(f"not page paths: {', '.join(map(repr, bad[:5]))}")
    return "".join(f"{path}\n" for path in sorted(set(paths)))


@dataclass(frozen=True)
class ListedPage:
    """A page path an edition's list gives: the list's file (as messages name it), the line and the path."""

    file: str
    line: int
    path: str


def read_page_list(path: Path, rel: str) -> tuple[list[str], list[Problem]]:
    """(the paths listed, a problem for each line that is not a page path). `rel` names the file in messages."""
    listed, problems = _read_listed(path, rel)
    return [page.path for page in listed], problems


def _read_listed(path: Path, rel: str) -> tuple[list[ListedPage], list[Problem]]:
    raw, problem = read_file(path, MAX_BYTES, "an edition's list holds page paths only: remove anything else")
    text, decode = decode_utf8(raw) if problem is None else ("", problem)
    if decode is not None:
        return [], [Problem(rel, decode.line, "(file)", decode.message, decode.fix)]
    listed: list[ListedPage] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not PAGE_PATH.fullmatch(line) or ".." in line:
            shown = line if len(line) <= 80 else line[:80] + "..."
            problems.append(Problem(rel, number, "(line)", f"{shown!r} is not a page path", PATH_FIX))
        elif line in seen:
            problems.append(Problem(rel, number, "(line)", f"{line!r} is listed twice", "remove the repeat"))
        else:
            seen.add(line)
            listed.append(ListedPage(rel, number, line))
    return listed, problems


def read_editions(root: Path) -> tuple[list[ListedPage], list[Problem]]:
    """(every page path the published editions list, every problem in data/editions/: a file that is
    not <edition>-pages.txt, and every bad line)."""
    folder = root / "data" / EDITIONS_DIR
    listed: list[ListedPage] = []
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []:
        rel = f"data/{EDITIONS_DIR}/{path.name}"
        edition = path.name.removesuffix(PAGES_SUFFIX)
        if not path.name.endswith(PAGES_SUFFIX) or edition_problem(edition):
            problems.append(
                Problem(rel, 1, "(file)", "is not an edition's list of pages", f"data/{EDITIONS_DIR}/ holds only <edition>{PAGES_SUFFIX} files, which `make release` writes: remove it")
            )
            continue
        pages, bad = _read_listed(path, rel)
        listed += pages
        problems += bad
    if folder.is_symlink():
        problems.append(Problem(f"data/{EDITIONS_DIR}", 1, "(file)", "is a symbolic link", "replace the link by the folder itself"))
    return listed, problems


def page_list_problems(root: Path) -> list[Problem]:
    """Every problem in data/editions/ (see read_editions)."""
    return read_editions(root)[1]
