"""Shared fixtures: the project, small throwaway books, and the real book built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent
STRICT = ["-W", "-n", "--keep-going"]
BOOK_FILES = ["_config.yml", "_toc.yml", "index.md", "bibliography.md", "references.bib", "CONTRIBUTING.md"]
BOOK_DIRS = ["chapters", "data"]


def run_build(book: Path, *extra: str) -> subprocess.CompletedProcess:
    """A strict Jupyter Book build of `book`; returns the finished process (output captured)."""
    return subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(book), "--builder", "html", *STRICT, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


# Pages a small test book keeps. The other chapters state findings about the real records (the
# summary checks its claims against them), which a book of one or two test records cannot meet.
SMALL_BOOK_PAGES = [
    "cases/index",
    "chapters/overview",
    "chapters/glossary",
    "chapters/reading-list",
    "bibliography",
    "chapters/contributing",
]


def make_book(target: Path, records: list[Path] | None = None, with_real_records: bool = False) -> Path:
    """A copy of the book in `target`: the whole book with the real records, or a small book (the
    pages in SMALL_BOOK_PAGES) holding the given record files (default: the sample record)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        shutil.copy(ROOT / name, target / name)
    for name in BOOK_DIRS:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    cases = target / "case_studies"
    if with_real_records:
        shutil.copytree(ROOT / "case_studies", cases)
    else:
        cases.mkdir()
        for name in ("_template.yml", "_schema.json"):
            shutil.copy(ROOT / "case_studies" / name, cases / name)
        for path in records if records is not None else [FIXTURES / "sample-case.yml"]:
            shutil.copy(path, cases / path.name)
        (target / "_toc.yml").write_text(
            "format: jb-book\nroot: index\nchapters:\n" + "".join(f"  - file: {page}\n" for page in SMALL_BOOK_PAGES),
            encoding="utf-8",
        )
        for chapter in (target / "chapters").glob("*.md"):
            if f"chapters/{chapter.stem}" not in SMALL_BOOK_PAGES:
                chapter.unlink()
    return target


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The real book, built strictly once per test session into _build/html (as `make book` does)."""
    result = run_build(ROOT)
    if result.returncode != 0:
        pytest.fail(f"strict build of the book failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return ROOT / "_build" / "html"
