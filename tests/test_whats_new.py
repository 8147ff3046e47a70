"""What's new (issue #20): the changes between editions, read from git tags (records/history.py), and
the chapter part, data/changes.json and the Atom feed made from them (publish/whatsnew.py).

The history tests build a small git repository of their own: real records, vocabularies, frameworks and
references copied from the book, edited between annotated tags as a contributor would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidencebook.publish.whatsnew import (
    FEED_FILE,
    change_anchor,
    changes_json,
    chapter_part,
    feed_xml,
    last_changed_text,
)
from evidencebook.records.book import read_book
from evidencebook.records.history import History, compute_history
from evidencebook.records.record_diff import match_outcomes

ROOT = Path(__file__).resolve().parents[1]
A = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert('x')</script> & \"Buurtzorg\" <img src=x onerror=alert(1)>"
RECORDS = ("buurtzorg", "croydon-alliance", "cleveland-community-led-health", "city-health-care-partnership")


def git(repo: Path, *args: str, date: str = "2026-01-15T10:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Editor",
        "GIT_AUTHOR_EMAIL": "editor@example.org",
        "GIT_COMMITTER_NAME": "Editor",
        "GIT_COMMITTER_EMAIL": "editor@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def record_text(name: str) -> str:
    return (ROOT / "case_studies" / f"{name}.yml").read_text(encoding="utf-8")


def write(repo: Path, name: str, text: str) -> None:
    (repo / "case_studies" / f"{name}.yml").write_text(text, encoding="utf-8")


def release(repo: Path, edition: str, date: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"Edition {edition}", date=date)
    git(repo, "tag", "--annotate", f"v{edition}", "-m", f"Edition {edition}", date=date)


@pytest.fixture
def book_repo(tmp_path: Path) -> Path:
    """A book with its vocabularies, frameworks and references, and no records yet, in a new git repository."""
    repo = tmp_path / "book"
    (repo / "case_studies").mkdir(parents=True)
    for folder in ("data/vocabularies", "data/frameworks"):
        shutil.copytree(ROOT / folder, repo / folder)
    for name in ("references.bib", "_config.yml"):
        shutil.copy(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    return repo


@pytest.fixture
def edited_repo(book_repo: Path) -> Path:
    """Two editions and work since the second:

    v2026.1.0  buurtzorg, croydon-alliance; cleveland-community-led-health invalid (an unknown level);
               a record that is a symbolic link
    v2026.2.0  buurtzorg: a figure changed (8000 -> 9000 people), a period and comparison changed, and a
               hostile title; croydon-alliance removed; city-health-care-partnership added; cleveland
               made valid (so it is new to the book); a record whose YAML does not parse
    working    buurtzorg: an outcome removed; the broken record removed
    """
    repo = book_repo
    write(repo, "buurtzorg", record_text("buurtzorg"))
    write(repo, "croydon-alliance", record_text("croydon-alliance"))
    cleveland = record_text("cleveland-community-led-health")
    write(repo, "cleveland-community-led-health", cleveland.replace("\nlevel: ", "\nlevel: nowhere-", 1))
    os.symlink("/etc/passwd", repo / "case_studies" / "linked.yml")
    release(repo, "2026.1.0", "2026-01-15T10:00:00+00:00")

    text = record_text("buurtzorg")
    assert "value: 8000" in text and "comparison: the national average" in text
    text = text.replace("value: 8000", "value: 9000", 1)
    text = text.replace("comparison: the national average", "comparison: the Dutch national average", 1)
    text = text.replace("period: the provider was named Dutch employer of the year in 2011", "period: 2011 to 2012", 1)
    text = text.replace("title: Buurtzorg self-managing neighbourhood nursing teams", f"title: {json.dumps(HOSTILE)}", 1)
    write(repo, "buurtzorg", text)
    (repo / "case_studies" / "croydon-alliance.yml").unlink()
    (repo / "case_studies" / "linked.yml").unlink()
    write(repo, "city-health-care-partnership", record_text("city-health-care-partnership"))
    write(repo, "cleveland-community-led-health", cleveland)
    write(repo, "broken", "id: broken\ntitle: [unclosed\n")
    release(repo, "2026.2.0", "2026-02-20T09:30:00+01:00")

    text = (repo / "case_studies" / "buurtzorg.yml").read_text(encoding="utf-8")
    start = text.index("  - metric: Back-office staff employed")
    end = text.index("  - metric:", start + 10)
    write(repo, "buurtzorg", text[:start] + text[end:])
    (repo / "case_studies" / "broken.yml").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Work after the second edition", date="2026-03-01T12:00:00+00:00")
    return repo


def by_edition(history: History) -> dict[tuple[str, bool], dict[str, dict]]:
    found: dict[tuple[str, bool], dict[str, dict]] = {}
    for change in history.changes:
        found.setdefault((change["edition"], change["released"]), {})[change["id"]] = change
    return found


def test_each_edition_is_compared_with_the_one_before(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    assert history.available and history.note == ""
    assert [(e.edition, e.tag, e.released, e.previous) for e in history.editions] == [
        ("2026.1.0", "v2026.1.0", True, ""),
        ("2026.2.0", "v2026.2.0", True, "2026.1.0"),
        ("unreleased", "", False, "2026.2.0"),
    ]
    assert [e.date for e in history.editions] == ["2026-01-15T10:00:00Z", "2026-02-20T08:30:00Z", "2026-03-01T12:00:00Z"]
    editions = by_edition(history)

    first = editions[("2026.1.0", True)]
    assert {rid: c["kind"] for rid, c in first.items()} == {
        "buurtzorg": "added",
        "croydon-alliance": "added",
        "cleveland-community-led-health": "invalid",
        "linked": "invalid",
    }
    assert "level" in first["cleveland-community-led-health"]["problem"]
    assert "symbolic link" in first["linked"]["problem"]

    second = editions[("2026.2.0", True)]
    assert {rid: c["kind"] for rid, c in second.items()} == {
        "buurtzorg": "changed",
        "croydon-alliance": "removed",
        "linked": "removed",
        "city-health-care-partnership": "added",
        "cleveland-community-led-health": "added",  # valid for the first time
        "broken": "invalid",
    }
    buurtzorg = second["buurtzorg"]
    assert buurtzorg["title"] == HOSTILE
    assert buurtzorg["fields"] == ["outcomes", "title"]
    assert buurtzorg["details"] == [{"field": "title", "old": "Buurtzorg self-managing neighbourhood nursing teams", "new": HOSTILE}]
    outcomes = {o["metric"]: o for o in buurtzorg["outcomes"]}
    nurses = outcomes["Nurses employed"]
    assert nurses["change"] == "changed" and nurses["fields"] == ["value"]
    assert (nurses["old"]["value"], nurses["new"]["value"]) == (8000, 9000)
    assert nurses["old"]["figure"]["unit"] == nurses["new"]["figure"]["unit"] == "people"
    satisfaction = outcomes["Patient satisfaction ratings"]
    assert satisfaction["fields"] == ["comparison"]
    assert (satisfaction["old"]["comparison"], satisfaction["new"]["comparison"]) == ("the national average", "the Dutch national average")
    staff = outcomes["Staff satisfaction"]  # its period changed: matched by metric alone
    assert staff["change"] == "changed" and staff["fields"] == ["period"]
    assert staff["new"]["period"] == "2011 to 2012"
    assert second["croydon-alliance"]["title"]  # a removed record keeps the title it had

    since = editions[("unreleased", False)]
    assert set(since) == {"buurtzorg", "broken"}
    assert since["broken"]["kind"] == "removed"
    assert [(o["change"], o["metric"]) for o in since["buurtzorg"]["outcomes"]] == [("removed", "Back-office staff employed")]
    assert since["buurtzorg"]["previous"] == "2026.2.0"

    last = {rid: (e.edition, e.released) for rid, e in history.last_changed.items()}
    assert last == {
        "buurtzorg": ("unreleased", False),
        "city-health-care-partnership": ("2026.2.0", True),
        "cleveland-community-led-health": ("2026.2.0", True),
    }


def test_an_unchanged_invalid_record_is_reported_once(book_repo: Path):
    write(book_repo, "broken", "id: broken\ntitle: [unclosed\n")
    release(book_repo, "2026.1.0", "2026-01-15T10:00:00+00:00")
    release(book_repo, "2026.2.0", "2026-02-15T10:00:00+00:00")
    history = compute_history(book_repo, use_cache=False)
    assert [(c["edition"], c["kind"]) for c in history.changes] == [("2026.1.0", "invalid")]


def test_the_records_being_built_can_be_given_and_the_cache_gives_the_same(edited_repo: Path):
    fresh = compute_history(edited_repo, use_cache=True)
    cached = compute_history(edited_repo, use_cache=True)
    assert changes_json(fresh) == changes_json(cached)
    assert (edited_repo / "_build").exists()
    shutil.rmtree(edited_repo / "_build")
    current = {"buurtzorg": {"id": "buurtzorg", "title": "Given"}}
    given = compute_history(edited_repo, current, use_cache=False)
    since = by_edition(given)[("unreleased", False)]
    assert since["buurtzorg"]["kind"] == "changed" and "title" in since["buurtzorg"]["fields"]
    assert since["city-health-care-partnership"]["kind"] == "removed"


def test_without_a_tag_everything_is_the_first_edition(book_repo: Path):
    write(book_repo, "buurtzorg", record_text("buurtzorg"))
    write(book_repo, "croydon-alliance", record_text("croydon-alliance"))
    git(book_repo, "add", "-A")
    git(book_repo, "commit", "-q", "-m", "Records")
    history = compute_history(book_repo, use_cache=False)
    edition = read_book(book_repo).edition
    assert history.available and f"no tag v{edition}" in history.note
    assert [(e.edition, e.released, e.previous) for e in history.editions] == [(edition, False, "")]
    assert [(c["id"], c["kind"]) for c in history.changes] == [("buurtzorg", "added"), ("croydon-alliance", "added")]
    part = chapter_part(history, {"buurtzorg", "croydon-alliance"})
    assert f"Edition {edition}".replace(".", "\\.") in part and "the first" in part
    assert "2 case studies added" in part
    assert "first edition" in last_changed_text(history.last_changed["buurtzorg"])


def test_without_git_or_with_a_shallow_clone_nothing_is_claimed(tmp_path: Path, edited_repo: Path):
    plain = tmp_path / "tarball"
    shutil.copytree(edited_repo, plain, ignore=shutil.ignore_patterns(".git"))
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{edited_repo}", str(shallow)], check=True, capture_output=True)
    for root, why in ((plain, "not a git checkout"), (shallow, "shallow clone")):
        history = compute_history(root, use_cache=False)
        assert not history.available and why in history.note
        assert history.changes == [] and history.editions == [] and history.last_changed == {}
        data = json.loads(changes_json(history))
        assert data == {"available": False, "note": history.note, "editions": [], "changes": []}
        assert "list no changes in this copy" in chapter_part(history, set())
        feed = ET.fromstring(feed_xml(history, read_book(root), set()))
        assert feed.find(f"{A}updated").text == "1970-01-01T00:00:00Z" and feed.find(f"{A}entry") is None


def test_changes_json_is_deterministic_and_sorted(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    text = changes_json(history)
    assert text == changes_json(compute_history(edited_repo, use_cache=False))
    data = json.loads(text)
    assert list(data) == sorted(data)
    kinds = ("added", "changed", "removed", "invalid")
    editions = [e["edition"] for e in data["editions"]]
    keys = [(editions.index(c["edition"]), kinds.index(c["kind"]), c["id"]) for c in data["changes"]]
    assert keys == sorted(keys)
    for change in data["changes"]:
        assert {"edition", "date", "id", "title", "kind", "fields", "outcomes"} <= set(change)


def test_the_feed_is_atom_with_absolute_addresses_and_escaped_text(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    book = read_book(edited_repo)
    current = {"buurtzorg", "city-health-care-partnership", "cleveland-community-led-health"}
    raw = feed_xml(history, book, current)
    assert b"<script" not in raw and b"<img" not in raw
    feed = ET.fromstring(raw)
    assert feed.tag == f"{A}feed"
    site = book.site
    assert site.startswith("https://")
    assert feed.find(f"{A}id").text == f"{site}{FEED_FILE}"
    assert feed.find(f"{A}title").text
    assert feed.find(f"{A}updated").text == "2026-03-01T12:00:00Z"  # the newest change, not the clock
    assert feed.find(f"{A}author/{A}name").text == book.author
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{A}link")}
    assert links["self"] == f"{site}{FEED_FILE}" and links["alternate"] == f"{site}chapters/whats-new.html"
    entries = feed.findall(f"{A}entry")
    assert len(entries) == len(history.changes)
    ids = [e.find(f"{A}id").text for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert entry.find(f"{A}{name}") is not None and entry.find(f"{A}{name}").text, name
        assert entry.find(f"{A}link").get("href").startswith(site)
    newest = entries[0]
    assert newest.find(f"{A}updated").text == "2026-03-01T12:00:00Z"
    hostile = [e for e in entries if HOSTILE in e.find(f"{A}title").text]
    assert hostile, "the hostile title comes back as text once the XML is parsed"
    assert hostile[0].find(f"{A}link").get("href") == f"{site}cases/buurtzorg.html"
    changed = next(e for e in entries if e.find(f"{A}id").text.endswith(change_anchor(by_edition(history)[("2026.2.0", True)]["buurtzorg"])))
    assert "figure 8,000 people → 9,000 people" in changed.find(f"{A}summary").text
    removed = next(e for e in entries if "croydon-alliance" in e.find(f"{A}id").text)
    assert removed.find(f"{A}link").get("href").startswith(f"{site}chapters/whats-new.html#change-")


def test_the_feed_keeps_the_latest_changes(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    feed = ET.fromstring(feed_xml(history, read_book(edited_repo), set(), limit=3))
    dates = [e.find(f"{A}updated").text for e in feed.findall(f"{A}entry")]
    assert len(dates) == 3 and dates == sorted(dates, reverse=True) and dates[0] == "2026-03-01T12:00:00Z"


def test_the_chapter_shows_every_changed_figure_escaped(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    part = chapter_part(history, {"buurtzorg", "city-health-care-partnership", "cleveland-community-led-health"})
    assert "<script" not in part and "<img" not in part
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;Buurtzorg&#34;" in part
    assert "figure 8,000 people → 9,000 people" in part
    assert "comparison the national average → the Dutch national average" in part
    assert "period the provider was named Dutch employer of the year in 2011 → 2011 to 2012" in part
    assert 'href="../cases/buurtzorg.html"' in part
    assert 'href="../cases/croydon-alliance.html"' not in part  # removed: no page to link to
    assert "The record did not validate at this edition" in part
    # Newest first: the work since the last edition, then each edition.
    headings = [line for line in part.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Since edition 2026\\.2\\.0 \\(not yet released\\)",
        "## Edition 2026\\.2\\.0",
        "## Edition 2026\\.1\\.0",
    ]
    assert "(whats-new-unreleased)=" in part and "(whats-new-2026-2-0)=" in part


def test_a_case_page_line_names_its_edition(edited_repo: Path):
    history = compute_history(edited_repo, use_cache=False)
    assert last_changed_text(history.last_changed["city-health-care-partnership"]) == "{ref}`in edition 2026.2.0 <whats-new-2026-2-0>`"
    assert last_changed_text(history.last_changed["buurtzorg"]) == (
        "{ref}`after edition 2026.2.0, not yet in a released edition <whats-new-unreleased>`"
    )
    assert last_changed_text(None) == ""


def test_outcomes_match_by_metric_and_period_then_metric():
    old = [{"metric": "A", "period": "2015"}, {"metric": "A", "period": "2016"}, {"metric": "B", "period": "x"}, {"metric": "C"}]
    new = [{"metric": "A", "period": "2016"}, {"metric": "B", "period": "y"}, {"metric": "A", "period": "2015"}, {"metric": "D"}]
    pairs, removed, added = match_outcomes(old, new)
    assert pairs == [(0, 2), (1, 0), (2, 1)]
    assert removed == [3] and added == [3]


@pytest.mark.build
def test_the_built_book_publishes_whats_new(built_book: Path):
    feed = ET.parse(built_book / FEED_FILE).getroot()
    assert feed.tag == f"{A}feed" and feed.find(f"{A}id") is not None
    data = json.loads((built_book / "data" / "changes.json").read_text(encoding="utf-8"))
    assert {"available", "note", "editions", "changes"} <= set(data)
    chapter = (built_book / "chapters" / "whats-new.html").read_text(encoding="utf-8")
    assert "What’s new" in chapter or "What's new" in chapter
    for page in ("index.html", "chapters/whats-new.html", "cases/buurtzorg.html"):
        html = (built_book / page).read_text(encoding="utf-8")
        assert 'rel="alternate" type="application/atom+xml"' in html and "feed.xml" in html
    if data["available"]:
        assert "Last changed" in (built_book / "cases" / "buurtzorg.html").read_text(encoding="utf-8")


def test_a_copy_of_the_book_inside_another_checkout_claims_nothing(edited_repo: Path):
    inner = edited_repo / "_build" / "copy"
    shutil.copytree(edited_repo / "case_studies", inner / "case_studies")
    shutil.copy(edited_repo / "_config.yml", inner / "_config.yml")
    history = compute_history(inner, use_cache=False)
    assert not history.available and "path_to_book" in history.note
