"""The build's state on disk (buildstate.py): killed builds, two builds at once, damaged caches.

Whatever happened to the last build, `make book` publishes what a clean build publishes, says in one
line what it discarded, and never shows a traceback.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evidencebook.records.filecache import FileCache
from evidencebook.sphinx.buildstate import IN_PROGRESS, VERSIONS_FILE, prepare_notebook_cache

from .conftest import BIN, make_book, run_build
from .test_build import site_files


def start_build(book: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "evidencebook"), "--root", str(book), "build"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the kill takes Sphinx's workers with it
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def kill_build_at(book: Path, marker: str) -> str:
    """Start a build of `book` and kill it (SIGKILL, workers included) once it prints `marker`."""
    process = start_build(book)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    process.stdout.close()
    output = "".join(seen)
    assert marker in output, f"the build never reached {marker!r}:\n{output[-3000:]}"
    return output


def test_a_build_killed_at_any_phase_is_followed_by_one_that_publishes_a_clean_build(tmp_path: Path):
    book = make_book(tmp_path / "book")
    first = run_build(book)
    assert first.returncode == 0
    assert "discard" not in first.stdout, "a first build has nothing to discard and says nothing about it"
    clean = site_files(book / "_build" / "html")

    record = book / "case_studies" / "sample-case.yml"
    original = record.read_text(encoding="utf-8")
    edited = yaml.safe_load(original)
    edited["title"] = "A title the killed builds were publishing"
    record.write_text(yaml.safe_dump(edited, sort_keys=False), encoding="utf-8")
    # Killed while reading, while writing pages, and while writing the exports after the last page.
    for marker in ("reading sources", "writing output", "dumping object inventory"):
        kill_build_at(book, marker)
        assert (book / IN_PROGRESS).exists()

    # Back to the inputs of the clean build: a stamp left by the earlier complete build must not make
    # the half-written site look up to date.
    record.write_text(original, encoding="utf-8")
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "did not finish" in result.stdout and "up to date" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    after = site_files(book / "_build" / "html")
    assert sorted(after) == sorted(clean)
    assert [name for name in clean if after[name] != clean[name]] == []
    assert not (book / IN_PROGRESS).exists()


def test_a_second_build_of_the_same_checkout_waits_for_the_first(tmp_path: Path):
    book = make_book(tmp_path / "book")
    first = start_build(book)
    for line in first.stdout:  # the first holds the lock once Sphinx is reading
        if "reading sources" in line:
            break
    second = run_build(book)
    rest = first.stdout.read()
    first.wait()
    first.stdout.close()
    assert first.returncode == 0, rest[-3000:]
    assert second.returncode == 0, second.stdout[-3000:]
    assert "another build of this checkout is running" in second.stdout
    assert "up to date" in second.stdout  # it waited, then found the first one's complete site


def test_damaged_caches_are_discarded_with_one_line_each_and_the_build_passes(tmp_path: Path):
    book = make_book(tmp_path / "book")
    assert run_build(book).returncode == 0
    clean = site_files(book / "_build" / "html")
    state = book / "_build" / ".evidencebook"
    for name in ("valid-records.pickle", "case-pages.pickle", "bibliography.pickle"):
        data = (state / name).read_bytes()
        (state / name).write_bytes(data[: len(data) // 2])  # truncated, as by a full disk
    (state / "knowledge-base.pickle").write_bytes(b"not a pickle")
    (book / "_build" / ".jupyter_cache" / "global.db").write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    record = book / "case_studies" / "sample-case.yml"
    record.write_text(record.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # so the build runs

    result = run_build(book)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    for name in ("valid-records.pickle", "case-pages.pickle", "bibliography.pickle"):
        assert f"discarded the damaged cache {name}" in output
    assert "discarded the notebook cache .jupyter_cache (its database" in output
    after = site_files(book / "_build" / "html")
    assert [name for name in clean if after.get(name) != clean[name]] == []


def test_caches_written_with_other_package_versions_are_discarded(tmp_path: Path):
    book = make_book(tmp_path / "book")
    assert run_build(book).returncode == 0
    versions_file = book / VERSIONS_FILE
    versions = json.loads(versions_file.read_text())
    versions["sphinx"] = "0.0.1"
    versions_file.write_text(json.dumps(versions))
    marker = book / "_build" / ".doctrees" / "left-by-the-old-sphinx"
    marker.write_text("x")

    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "sphinx 0.0.1 -> " in result.stdout and "discarding every cache" in result.stdout
    assert not marker.exists()
    assert "up to date" in run_build(book).stdout  # and the next build trusts what this one wrote


# --- the notebook cache, without a build ------------------------------------------------------------


def tables_of(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_notebook_cache_database_exists_before_workers_start(tmp_path: Path):
    cache = tmp_path / ".jupyter_cache"
    prepare_notebook_cache(cache)
    assert {"nbcache", "nbproject", "settings"} <= tables_of(cache / "global.db")
    # Workers only open it now: many at once never try to create its tables.
    code = "import sys; from jupyter_cache import get_cache; get_cache(sys.argv[1]).list_cache_records()"
    workers = [subprocess.Popen([sys.executable, "-c", code, str(cache)], stderr=subprocess.PIPE) for _ in range(6)]
    errors = [w.communicate()[1].decode() for w in workers]
    assert all(w.returncode == 0 for w in workers), errors


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda c: (c / "global.db").write_bytes(b"\0" * 100), "its database cannot be read"),
        (lambda c: (c / "__version__.txt").write_text("0.1"), "written by jupyter-cache 0.1"),
        (lambda c: sqlite3.connect(c / "global.db").execute("DROP TABLE settings").connection.commit(), "its database lacks the tables settings"),
        (lambda c: (c / "global.db").unlink(), "its database is missing"),
    ],
    ids=["not-a-database", "other-version", "missing-table", "no-database"],
)
def test_a_damaged_notebook_cache_is_discarded_and_made_again(tmp_path: Path, capsys, damage, reason):
    cache = tmp_path / ".jupyter_cache"
    prepare_notebook_cache(cache)
    damage(cache)
    prepare_notebook_cache(cache)
    out = capsys.readouterr().out
    assert f"discarded the notebook cache .jupyter_cache ({reason}" in out and out.count("\n") == 1
    assert {"nbcache", "nbproject", "settings"} <= tables_of(cache / "global.db")


def test_an_executed_notebook_cut_short_is_dropped_from_the_cache(tmp_path: Path, capsys):
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_path = tmp_path / ".jupyter_cache"
    prepare_notebook_cache(cache_path)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=1)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    record = get_cache(cache_path).cache_notebook_bundle(CacheBundleIn(notebook, str(tmp_path / "a.ipynb")), check_validity=False)
    stored = get_cache(cache_path)._get_notebook_path_cache(record.hashkey)
    stored.write_text(stored.read_text()[:40])
    prepare_notebook_cache(cache_path)
    assert "discarded a damaged executed notebook" in capsys.readouterr().out
    assert get_cache(cache_path).list_cache_records() == []


# --- our own caches ---------------------------------------------------------------------------------


def test_a_truncated_cache_file_is_a_missed_shortcut_with_one_line(tmp_path: Path, capsys):
    cache = FileCache.open(tmp_path, "example", "context")
    cache.put("a.yml", "digest", {"value": 1})
    cache.save()
    data = cache.path.read_bytes()
    cache.path.write_bytes(data[:10])
    reopened = FileCache.open(tmp_path, "example", "context")
    assert reopened.get("a.yml", "digest") == (False, None)
    assert "discarded the damaged cache example.pickle" in capsys.readouterr().out


def test_two_processes_saving_one_cache_keep_both_results(tmp_path: Path):
    """Parallel Sphinx workers each save what they computed: neither loses the other's entries."""
    first = FileCache.open(tmp_path, "shared", "context")
    second = FileCache.open(tmp_path, "shared", "context")
    first.put("first.yml", "d1", 1)
    second.put("second.yml", "d2", 2)
    first.save()
    second.save()
    with FileCache.open(tmp_path, "shared", "context").path.open("rb") as f:
        entries = pickle.load(f)["entries"]
    assert entries == {"first.yml": ("d1", 1), "second.yml": ("d2", 2)}


def test_a_save_merges_what_another_process_saved_since_this_one_read_the_file(tmp_path: Path, monkeypatch):
    """Both processes read the same saved cache; the one that saves second still keeps the first's
    entries. A process whose file nobody replaced since it read it saves without reading it again."""
    from evidencebook.records import filecache

    start = FileCache.open(tmp_path, "shared", "context")
    start.put("old.yml", "d0", 0)
    start.save()
    first = FileCache.open(tmp_path, "shared", "context")
    second = FileCache.open(tmp_path, "shared", "context")
    first.put("first.yml", "d1", 1)
    first.save()
    second.put("second.yml", "d2", 2)
    second.save()
    with second.path.open("rb") as f:
        assert pickle.load(f)["entries"] == {"old.yml": ("d0", 0), "first.yml": ("d1", 1), "second.yml": ("d2", 2)}

    reads = []
    monkeypatch.setattr(filecache, "read_pickle", lambda path, quiet=False: reads.append(path))
    second.put("third.yml", "d3", 3)
    second.save()  # the file is still the one this process wrote
    assert reads == []
    with second.path.open("rb") as f:
        assert len(pickle.load(f)["entries"]) == 4


def test_a_save_put_off_is_written_when_the_block_ends_and_a_forked_process_saves_at_once(tmp_path: Path):
    """The build driver holds the record cache's save until its first pass has shown the pages; the
    forked first pass (and anything else forked meanwhile) cannot wait for a block it never leaves."""
    from evidencebook.records.filecache import CACHE_DIR, saves_deferred

    def saved(name: str) -> dict:
        path = tmp_path / CACHE_DIR / f"{name}.pickle"
        return pickle.loads(path.read_bytes())["entries"] if path.exists() else {}

    with saves_deferred():
        cache = FileCache.open(tmp_path, "held", "context")
        cache.put("a.yml", "d1", 1)
        cache.save()
        cache.save()  # noted once
        assert saved("held") == {}
        pid = os.fork()
        if pid == 0:
            child = FileCache.open(tmp_path, "forked", "context")
            child.put("b.yml", "d2", 2)
            child.save()
            os._exit(0)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        assert saved("forked") == {"b.yml": ("d2", 2)}
    assert saved("held") == {"a.yml": ("d1", 1)}
