"""Shared fixtures: the project, small throwaway books, and the real book built once per session."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent
BOOK_FILES = ["_config.yml", "_toc.yml", "index.md", "bibliography.md", "references.bib", "CONTRIBUTING.md"]
BOOK_DIRS = ["chapters", "data"]


def run_build(book: Path, *extra: str) -> subprocess.CompletedProcess:
    """The book's strict build of `book`, as `make book` runs it; returns the finished process (output captured)."""
    return subprocess.run(
        [str(BIN / "evidencebook"), "--root", str(book), "build", *extra],
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


def make_book(
    target: Path,
    records: list[Path] | None = None,
    with_real_records: bool = False,
    chapters: list[str] | None = None,
) -> Path:
    """A copy of the book in `target`: the whole book with the real records, or a small book (the
    pages in SMALL_BOOK_PAGES) holding the given record files (default: the sample record).
    `chapters` (with the real records) keeps only those chapters besides SMALL_BOOK_PAGES: a test that
    reads three chapters need not execute all of them."""
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
    if not with_real_records or chapters is not None:
        pages = SMALL_BOOK_PAGES + [f"chapters/{name}" for name in chapters or []]
        # A kept chapter keeps its hand-written pages (the generated ones, listed by a glob, it makes itself).
        toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
        sections = {c["file"]: [s for s in c.get("sections", []) if "file" in s] for p in toc["parts"] for c in p["chapters"]}
        chapters_toc = [{"file": page, **({"sections": sections[page]} if sections.get(page) else {})} for page in pages]
        (target / "_toc.yml").write_text(
            yaml.safe_dump({"format": "jb-book", "root": "index", "chapters": chapters_toc}, sort_keys=False), encoding="utf-8"
        )
        kept = pages + [s["file"] for page in pages for s in sections.get(page, [])]  # a kept chapter's sections (exports)
        for chapter in (target / "chapters").glob("*.md"):
            if f"chapters/{chapter.stem}" not in kept:
                chapter.unlink()
    return target


def knowledge_root(target: Path, records: list[Path] = (), templates: bool = False) -> Path:
    """A folder holding what the validator reads (data, references, an empty or given case_studies),
    for tests of the library that need no build; `templates` adds the record template and JSON Schema
    the contributors' tools read."""
    shutil.copytree(ROOT / "data", target / "data")
    shutil.copy(ROOT / "references.bib", target / "references.bib")
    shutil.copy(ROOT / "_config.yml", target / "_config.yml")
    (target / "case_studies").mkdir()
    for name in ("_template.yml", "_schema.json") if templates else ():
        shutil.copy(ROOT / "case_studies" / name, target / "case_studies" / name)
    for path in records:
        shutil.copy(path, target / "case_studies" / path.name)
    return target


def made_once(tmp_path_factory, name: str, make) -> Path:
    """`make(folder)` run once per test session, however many xdist workers ask: the first worker runs it
    under a lock in a folder all workers share, the others wait and get the same folder. What `make`
    raises is raised in every worker that asks (a failed build must fail every test that needs it)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    folder, done = base / f"shared-{name}", base / f"shared-{name}.json"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                make(folder)
                outcome = {"error": None}
            except (Exception, pytest.fail.Exception) as err:  # kept for the workers that ask later
                outcome = {"error": f"{type(err).__name__}: {err}"}
            done.write_text(json.dumps(outcome), encoding="utf-8")
    error = json.loads(done.read_text(encoding="utf-8"))["error"]
    if error:
        pytest.fail(f"making the shared {name} failed: {error}")
    return folder


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def real_kb():
    """The real records, data and references, loaded and valid (tests read it; none may change it)."""
    from evidencebook.records.kb import load_knowledge_base

    kb = load_knowledge_base(ROOT)
    assert kb.ok, kb.problems
    return kb


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The real book, built strictly once per test session into _build/html (as `make book` does)."""
    result = run_build(ROOT)
    if result.returncode != 0:
        pytest.fail(f"strict build of the book failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def unusual_site(tmp_path_factory) -> Path:
    """The whole book with valid but unusual data (tests/unusual_book.py), built strictly once per session."""
    from .unusual_book import apply_cases, apply_new_terms

    def make(folder: Path) -> None:
        book = make_book(folder / "book", with_real_records=True)
        apply_cases(book)
        apply_new_terms(book)
        result = run_build(book)
        assert result.returncode == 0, (
            "the book with unusual but valid data did not build:\n" + result.stdout[-5000:] + result.stderr[-5000:]
        )

    return made_once(tmp_path_factory, "unusual-book", make) / "book" / "_build" / "html"


# --- the built book in headless Chromium (tests/browser.py); one server and one browser per session ---


@pytest.fixture(scope="session")
def site(built_book: Path):
    from .browser import serve

    with serve(built_book) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from .browser import CHROMIUM_ARGS, require_chromium

    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, site):
    """Open a page of the built book offline (see browser.Page); contexts close after the test."""
    from .browser import page_opener

    with page_opener(browser, site) as opener:
        yield opener


# --- markers: `make test-fast` runs what needs no build, no browser and no other process ---------------

# A test that uses one of these fixtures (directly or through another fixture) gets the marker.
FIXTURE_MARKERS = {"built_book": "build", "browser": "browser"}


def _starts_a_process(func, seen: set) -> bool:
    """Whether `func`, or a helper of the test suite it refers to, uses the subprocess module (a book
    build, the command line, workers): such a test takes seconds, not milliseconds."""
    code = getattr(func, "__code__", None)
    if code is None or func in seen:
        return False
    seen.add(func)
    codes, names = [code], set()
    while codes:  # the function's own names and those of the lambdas and functions defined inside it
        current = codes.pop()
        names.update(current.co_names)
        codes.extend(c for c in current.co_consts if hasattr(c, "co_names"))
    for name in names:
        value = func.__globals__.get(name)
        if value is subprocess or getattr(value, "__module__", None) == "subprocess":
            return True
        if callable(value) and getattr(value, "__module__", "").startswith(__package__ or "tests"):
            if _starts_a_process(value, seen):
                return True
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in fixtures and marker not in item.keywords:
                item.add_marker(marker)
        definitions = getattr(item, "_fixtureinfo", None)
        funcs = [getattr(item, "function", None)]
        if definitions is not None:
            funcs += [d.func for defs in definitions.name2fixturedefs.values() for d in defs]
        seen: set = set()
        if "slow" not in item.keywords and any(_starts_a_process(f, seen) for f in funcs if f is not None):
            item.add_marker("slow")
