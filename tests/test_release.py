"""`make release` (tools/release.py), tried in throwaway git repositories, never in the project's own."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from evidencebook.records.book import read_book
from evidencebook.records.editions import page_list_problems, pages_file, read_page_list
from evidencebook.tools.metadata import CITATION_CFF, ZENODO_JSON, metadata_files
from evidencebook.tools.release import ReleaseError, edition_to_release, next_edition, release, set_edition

GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(repo: Path, *args: str) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo), **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repo(tmp_path: Path, root: Path, monkeypatch) -> Path:
    """A git repository holding a copy of the book's _config.yml and its metadata files, committed."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text((root / "_config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    for path, text in metadata_files(book).items():
        path.write_text(text, encoding="utf-8")
    git(book, "init", "-q", "-b", "main")
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "start")
    return book


def no_problems(root: Path) -> list[str]:
    return []


PAGES = ["index.html", "cases/sample-case.html", "chapters/overview.html"]


def some_pages(root: Path) -> list[str]:
    return list(PAGES)


def test_next_edition_counts_releases_within_a_month_and_restarts_in_a_new_one():
    assert next_edition("2026.12.0", date(2026, 12, 3)) == "2026.12.1"
    assert next_edition("2026.12.4", date(2026, 12, 31)) == "2026.12.5"
    assert next_edition("2026.12.4", date(2027, 1, 2)) == "2027.1.0"
    with pytest.raises(ReleaseError, match="later than today"):
        next_edition("2027.2.0", date(2027, 1, 2))
    with pytest.raises(ReleaseError, match="calendar version"):
        next_edition("1.0", date(2027, 1, 2))


def test_set_edition_changes_the_one_line_and_keeps_the_rest():
    text = 'title: T\n# a comment\nedition: "2026.12.0"  # bumped by make release\nsphinx:\n  edition: nested\n'
    assert set_edition(text, "2027.1.0") == 'title: T\n# a comment\nedition: "2027.1.0"  # bumped by make release\nsphinx:\n  edition: nested\n'
    with pytest.raises(ReleaseError, match="exactly one"):
        set_edition("title: T\n", "2027.1.0")


def test_the_edition_released_is_the_announced_one_until_it_is_tagged():
    assert edition_to_release("2026.12.0", date(2026, 12, 3), lambda edition: False) == "2026.12.0"
    assert edition_to_release("2026.12.0", date(2027, 3, 1), lambda edition: False) == "2026.12.0", "announced, so kept"
    assert edition_to_release("2026.12.0", date(2026, 12, 3), lambda edition: edition == "2026.12.0") == "2026.12.1"
    assert edition_to_release("2026.12.0", date(2027, 3, 1), lambda edition: edition == "2026.12.0") == "2027.3.0"
    with pytest.raises(ReleaseError, match="calendar version"):
        edition_to_release("1.0", date(2027, 1, 2), lambda edition: False)


def test_the_first_release_tags_the_edition_the_site_announces_and_the_next_one_bumps_it(repo: Path):
    before = read_book(repo).edition  # what every page, citation and feed entry of the site already says
    year, month, _ = (int(p) for p in before.split("."))
    edition = release(repo, date(year, month, 28), no_problems, no_problems, some_pages)
    assert edition == before, "the announced edition is tagged, not skipped"
    assert read_book(repo).edition == before
    cff = yaml.safe_load((repo / CITATION_CFF).read_text(encoding="utf-8"))
    assert str(cff["version"]) == before and str(cff["date-released"]) == f"{year}-{month:02d}-28"
    assert f'"version": "{before}"' in (repo / ZENODO_JSON).read_text(encoding="utf-8")
    assert git(repo, "status", "--porcelain") == "", "everything it changed is committed"
    assert git(repo, "log", "-1", "--format=%s").strip() == f"Edition {before}"
    assert git(repo, "describe", "--exact-match", "HEAD").strip() == f"v{before}"
    assert git(repo, "cat-file", "-t", f"v{before}").strip() == "tag", "an annotated tag"
    assert pages_file(repo, before).is_file()

    # Now that it is tagged, the next release is the next one of the month, set everywhere.
    bumped = release(repo, date(year, month, 28), no_problems, no_problems, some_pages)
    assert bumped == next_edition(before, date(year, month, 28)) != before
    assert read_book(repo).edition == bumped
    assert str(yaml.safe_load((repo / CITATION_CFF).read_text(encoding="utf-8"))["version"]) == bumped
    assert f'"version": "{bumped}"' in (repo / ZENODO_JSON).read_text(encoding="utf-8")
    assert git(repo, "describe", "--exact-match", "HEAD").strip() == f"v{bumped}"
    assert git(repo, "log", "-1", "--format=%s").strip() == f"Edition {bumped}"
    # And a third, in a later month, starts that month's count.
    assert release(repo, date(year + 1, 1, 2), no_problems, no_problems, some_pages) == f"{year + 1}.1.0"


def test_release_refuses_an_unclean_tree_invalid_records_stale_files_or_an_existing_tag(repo: Path):
    head = git(repo, "rev-parse", "HEAD")
    config = (repo / "_config.yml").read_text(encoding="utf-8")
    today = date.today()

    (repo / "notes.txt").write_text("draft", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not committed"):
        release(repo, today, no_problems, no_problems, some_pages)
    (repo / "notes.txt").unlink()
    with pytest.raises(ReleaseError, match="do not validate.*\n.*bad.yml"):
        release(repo, today, lambda root: ["case_studies/bad.yml:3: title: missing"], no_problems, some_pages)
    with pytest.raises(ReleaseError, match="make derive"):
        release(repo, today, no_problems, lambda root: ["CITATION.cff"], some_pages)
    current = read_book(repo).edition
    git(repo, "tag", f"v{current}")  # the announced edition is tagged, so the release would be the next one...
    git(repo, "tag", f"v{next_edition(current, today)}")  # ...which is tagged too
    with pytest.raises(ReleaseError, match="exists already"):
        release(repo, today, no_problems, no_problems, some_pages)
    assert git(repo, "rev-parse", "HEAD") == head and (repo / "_config.yml").read_text(encoding="utf-8") == config, "nothing changed"


def test_release_outside_a_git_checkout_says_so(tmp_path: Path, root: Path):
    (tmp_path / "_config.yml").write_text((root / "_config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ReleaseError, match="git"):
        release(tmp_path, date.today(), no_problems, no_problems, some_pages)


def test_release_writes_the_editions_page_list_and_commits_it_with_the_edition(repo: Path):
    edition = release(repo, date.today(), no_problems, no_problems, lambda root: [*PAGES, "index.html"])
    listing = pages_file(repo, edition)
    assert listing.read_text(encoding="utf-8") == "".join(f"{p}\n" for p in sorted(PAGES)), "sorted, once each"
    assert git(repo, "ls-files", "--", f"data/editions/{edition}-pages.txt").strip() == f"data/editions/{edition}-pages.txt"
    assert f"data/editions/{edition}-pages.txt" in git(repo, "show", "--name-only", "--format=", f"v{edition}")
    assert read_page_list(listing, "x") == (sorted(PAGES), [])
    assert page_list_problems(repo) == []


@pytest.mark.parametrize("pages", [["../etc/passwd.html"], ["/index.html"], ["index.html?x=1"], []])
def test_release_refuses_a_page_list_it_could_not_read_back(repo: Path, pages: list[str]):
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(ReleaseError, match="page"):
        release(repo, date.today(), no_problems, no_problems, lambda root: pages)
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == "", "nothing changed"


def test_an_editions_page_list_is_read_as_untrusted_input_line_by_line(tmp_path: Path):
    folder = tmp_path / "data" / "editions"
    folder.mkdir(parents=True)
    listing = folder / "2026.12.0-pages.txt"
    listing.write_text("index.html\ncases/a.html\n../../secret.html\n<script>.html\n\ncases/a.html\n", encoding="utf-8")
    paths, problems = read_page_list(listing, "data/editions/2026.12.0-pages.txt")
    assert paths == ["index.html", "cases/a.html"]
    shown = [str(p) for p in problems]
    assert shown[0] == (
        "data/editions/2026.12.0-pages.txt:3: (line): '../../secret.html' is not a page path — write one page per line, "
        "relative to the site's root, e.g. cases/wigan-deal.html (letters, digits, '-', '_', '.' and '/', ending .html)"
    )
    assert [p.line for p in problems] == [3, 4, 5, 6] and "listed twice" in shown[3]
    (folder / "notes.md").write_text("hi", encoding="utf-8")
    (folder / "2026.13.0-pages.txt").write_text("index.html\n", encoding="utf-8")
    listing.write_bytes(b"\xff\xfe" + "index.html\n".encode("utf-16-le"))
    found = {p.file: str(p) for p in page_list_problems(tmp_path)}
    assert "not an edition's list of pages" in found["data/editions/2026.13.0-pages.txt"]
    assert "not an edition's list of pages" in found["data/editions/notes.md"]
    assert "UTF-16, not UTF-8" in found["data/editions/2026.12.0-pages.txt"]
