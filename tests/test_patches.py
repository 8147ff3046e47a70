"""The patches of other projects (scripts/evidencebook/sphinx/patches/): each is written for exact
versions, a mismatch stops the build with what to do, and pyproject.toml keeps them installable."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement
from sphinx.errors import ExtensionError

import evidencebook.sphinx.patches as patches
from evidencebook.sphinx.patches import PATCHES, chosen_patches
from evidencebook.sphinx.patches.registry import Patch, check_versions, installed_version
from evidencebook.sphinx.settings import PATCHES as PATCHES_ON
from evidencebook.sphinx.settings import PATCHES_OFF

from .conftest import ROOT

EXACT_VERSION = re.compile(r"^\d+(\.\d+)*([a-z]+\d+)?(\.post\d+)?$")


def config(on: bool = True, off: tuple[str, ...] = ()) -> dict:
    return {PATCHES_ON: on, PATCHES_OFF: list(off)}


def test_a_patch_written_for_another_version_stops_the_build_and_says_what_to_do():
    patch = Patch("search", {"sphinx": ("7.4.7",)}, "https://example.invalid/1", "", "", apply=lambda app: None)
    with pytest.raises(ExtensionError) as raised:
        check_versions([patch], installed=lambda distribution: "8.2.3")
    message = str(raised.value)
    assert "patch 'search' replaces internals of sphinx 7.4.7, but sphinx 8.2.3 is installed" in message
    assert "If upstream fixed it, delete the patch" in message and "--plain-sphinx" in message


def test_every_mismatch_is_reported_at_once_and_a_missing_project_is_named():
    patches = [
        Patch("a", {"sphinx": ("7.4.7",)}, "", "", "", apply=lambda app: None),
        Patch("b", {"pybtex": ("0.26.1",)}, "", "", "", apply=lambda app: None),
    ]
    with pytest.raises(ExtensionError) as raised:
        check_versions(patches, installed=lambda distribution: None)
    assert "sphinx (not installed)" in str(raised.value) and "pybtex (not installed)" in str(raised.value)


def test_every_patch_is_written_for_exact_versions_it_finds_installed_and_names_its_upstream():
    names = [patch.name for patch in PATCHES]
    assert len(names) == len(set(names))
    for patch in PATCHES:
        for distribution, versions in patch.written_for.items():
            assert versions and all(EXACT_VERSION.match(v) for v in versions), (patch.name, versions)
            assert installed_version(distribution) in versions, (patch.name, distribution)
        assert patch.upstream.startswith(("https://", "no upstream issue filed")), patch.name
    check_versions(PATCHES)  # the environment the tests run in is the one the patches were written for


def locked_versions() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pinned = (line.split(";")[0].split("\\")[0].strip() for line in lines if "==" in line and not line.lstrip().startswith("#"))
    return {name.strip().lower().replace("_", "-"): version.strip() for name, version in (p.split("==") for p in pinned)}


def test_pyproject_bounds_every_patched_project_to_the_series_its_patches_were_written_for():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    requirements = {}
    for line in declared:
        requirement = Requirement(line)
        requirements[requirement.name.lower().replace("_", "-")] = requirement
    locked = locked_versions()
    for patch in PATCHES:
        for distribution, versions in patch.written_for.items():
            requirement = requirements.get(distribution)
            assert requirement is not None, f"{distribution} (patched by {patch.name}) is not a declared dependency in pyproject.toml"
            assert any(spec.operator in ("<", "==", "~=") for spec in requirement.specifier), f"{distribution} has no upper bound"
            assert locked[distribution] in versions, f"requirements.lock pins {distribution} {locked[distribution]}"
            assert requirement.specifier.contains(locked[distribution])
            # the next minor series is outside the bound: `make lock` cannot move to code the patch never saw
            major, minor = (int(part) for part in locked[distribution].split(".")[:2])
            assert not requirement.specifier.contains(f"{major}.{minor + 1}.0"), distribution


def test_plain_sphinx_applies_no_patch_and_a_patch_can_be_left_out_by_name():
    assert chosen_patches(config(on=False)) == ()
    assert chosen_patches(config()) == PATCHES
    left = chosen_patches(config(off=("pybtex-plugin-lookup-cache",)))
    assert [p.name for p in left] == [p.name for p in PATCHES if p.name != "pybtex-plugin-lookup-cache"]
    with pytest.raises(ExtensionError, match="names no such patch: pybtex-cache"):
        chosen_patches(config(off=("pybtex-cache",)))


def test_the_book_formats_references_with_no_patch_applied():
    """records/bib.py looks pybtex's text backend up once, so validation (outside Sphinx) needs no patch."""
    import pybtex.plugin

    from evidencebook.records.bib import parse_bibliography

    calls = []
    lookup = pybtex.plugin._load_entry_point

    def counting(*args, **kwargs):
        calls.append(args)
        return lookup(*args, **kwargs)

    pybtex.plugin._load_entry_point = counting
    try:
        bib = parse_bibliography(ROOT / "references.bib")
    finally:
        pybtex.plugin._load_entry_point = lookup
    assert len(bib.keys) > 20 and all(bib.citation_text(key) != key for key in bib.keys)
    assert len(calls) < 10, "one lookup per plugin, not one per entry"


def test_the_build_is_configured_through_sphinx_configuration_not_environment_variables():
    library = ROOT / "scripts" / "evidencebook"
    offenders = [p.relative_to(library).as_posix() for p in library.rglob("*.py") if "os.environ" in p.read_text()]
    assert offenders == []


def test_an_incremental_build_adds_to_the_counts_and_a_fresh_one_starts_again(tmp_path, monkeypatch):
    sidebar = "theme-sidebar-once-per-folder"

    def build(fresh: bool, sidebars: int) -> dict:
        monkeypatch.setattr(patches, "EFFECTS", Counter({sidebar: sidebars}))
        app = SimpleNamespace(srcdir=str(tmp_path), fresh_env_used=fresh, config=config(), evidencebook_patches=PATCHES)
        patches.write_record(app, None)
        return json.loads((tmp_path / patches.RECORD).read_text())

    assert build(fresh=True, sidebars=5)["applied"][sidebar]["count"] == 5
    record = build(fresh=False, sidebars=0)  # no case page rewritten
    assert record["applied"][sidebar]["count"] == 5 and record["builds"] == 2
    assert build(fresh=True, sidebars=0)["applied"][sidebar]["count"] == 0


def test_the_search_page_script_replaces_what_the_installed_searchtools_still_does():
    """static/js/kb-search.js wraps two functions of Sphinx's searchtools.js: the query parser that drops
    words of digits alone, and the snippet maker that reads [role="main"]. When Sphinx changes either,
    this fails: read kb-search.js against the new searchtools.js, and delete what Sphinx now does itself."""
    import sphinx

    tools = (Path(sphinx.__file__).parent / "themes" / "basic" / "static" / "searchtools.js").read_text(encoding="utf-8")
    assert "_parseQuery: (query) =>" in tools and "queryTerm.match(/^\\d+$/)" in tools, "Sphinx no longer drops numbers the same way"
    assert "htmlToText: (htmlString, anchor) =>" in tools and "querySelector('[role=\"main\"]')" in tools
    assert "Search.htmlToText(htmlText, anchor)" in tools and "Search._parseQuery(query)" in tools, "called through Search, so they can be wrapped"
    script = (ROOT / "scripts" / "evidencebook" / "sphinx" / "static" / "js" / "kb-search.js").read_text(encoding="utf-8")
    assert "Search._parseQuery = " in script and "Search.htmlToText = " in script
    assert "if (Scorer.score)" in tools and "Scorer.score(item)" in tools, "Sphinx no longer calls the score hook kb-search.js sets"


STORE_A_NOTEBOOK = """
import sys, time
import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.cache.db import NbCacheRecord
from evidencebook.sphinx.patches.notebook_cache import serialise_notebook_stores

folder, name, pause, patched = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "patched"
if patched:
    serialise_notebook_stores(None)
create = NbCacheRecord.create_record

def create_then_wait(*args, **kwargs):
    record = create(*args, **kwargs)
    time.sleep(pause)  # the record is in the database, its notebook file not yet written
    return record

NbCacheRecord.create_record = staticmethod(create_then_wait)
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print({name!r})")])
get_cache(folder).cache_notebook_bundle(CacheBundleIn(notebook, name), check_validity=False, overwrite=True)
"""


@pytest.mark.parametrize("patched", [True, False])
def test_two_workers_storing_executed_chapters_at_once_do_not_break_each_other(tmp_path: Path, patched: bool):
    """Two chapters executed at once in the parallel read are stored in myst-nb's notebook cache by two
    processes. jupyter-cache's clean-up after a store deletes records beyond its limit; here the limit is
    1, so the second store's clean-up is sure to pick the first chapter's record, as the two-query race
    did in CI. Unpatched, it finds that record half stored and fails as the build did; patched, the
    second store waits, and the first chapter is stored whole before anything can remove it."""
    from jupyter_cache import get_cache

    folder = tmp_path / "cache"
    get_cache(folder).change_cache_limit(1)
    mode = "patched" if patched else "unpatched"
    first = subprocess.Popen([sys.executable, "-c", STORE_A_NOTEBOOK, str(folder), "first", "3", mode], stderr=subprocess.PIPE, text=True)
    while not (folder / "global.db").exists() or not get_cache(folder).list_cache_records():
        time.sleep(0.05)  # the first chapter's record is in the database
    second = subprocess.run([sys.executable, "-c", STORE_A_NOTEBOOK, str(folder), "second", "0", mode], capture_output=True, text=True)
    first.wait()
    if patched:
        assert second.returncode == 0 and first.returncode == 0, second.stderr + first.stderr
        assert [record.uri for record in get_cache(folder).list_cache_records()] == ["second"]
    else:  # the failure this patch prevents, so the test above shows the patch at work
        assert "Notebook file does not exist for cache record" in second.stderr
