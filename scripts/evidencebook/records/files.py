"""Where the book is, and which files of a folder the loaders read (everything else is a problem)."""

from __future__ import annotations

import os
from pathlib import Path

from .problems import Problem


def find_root(start: Path | None = None) -> Path:
    """The book's root: the nearest folder up from `start` (default: cwd) holding _config.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").exists() and (folder / "case_studies").is_dir():
            return folder
    raise FileNotFoundError(f"no book root (a folder with _config.yml and case_studies/) above {here}")


def folder_files(
    root: Path, folder: Path, kind: tuple[str, str], suffixes: tuple[str, ...] = (".yml",), project_files=frozenset()
) -> tuple[list[Path], list[Problem]]:
    """The files of `folder` to read, and a problem for anything else in it: nothing is silently
    skipped, since a file that is never read could hide anything (or be a mistake nobody notices)."""
    paths: list[Path] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return paths, problems
    where = folder.relative_to(root).as_posix()
    one, what = kind  # e.g. ("a record", "records")
    # scandir: whether an entry is a folder comes with the listing (a stat per file cost 0.5 s at 10,000)
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        path, rel = folder / entry.name, f"{where}/{entry.name}"
        if path.name in project_files:
            continue
        if path.name.startswith("."):
            problems.append(
                Problem(rel, 1, "(file)", "is a hidden file (its name starts with a dot), so it is not read", "rename it without the dot, or remove it")
            )
        elif entry.is_dir(follow_symlinks=False):
            problems.append(Problem(rel, 1, "(file)", "is a folder", f"{what} are files directly in {where}/: move its files up"))
        elif path.suffix in suffixes:
            paths.append(path)  # a symbolic link or other odd file is refused by the loader, with its name
        else:
            wanted = " or ".join(suffixes)
            problems.append(
                Problem(
                    rel,
                    1,
                    "(file)",
                    f"is not {one} ({what} end in {wanted}, this ends in {path.suffix or 'nothing'})",
                    f"rename it to <id>{suffixes[0]}, or remove it",
                )
            )
    return paths, problems
