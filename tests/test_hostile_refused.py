"""Hostile inputs for every file besides the records (tests/hostile_data/refused/, described by its manifest.yml).

Vocabularies, frameworks, glossary terms, the checklist, the reading list and references.bib arrive by
pull request like records do. Each case changes one file of a small knowledge root; the validator must
refuse it with a message naming that file and field and saying how to fix it, blame no other file,
and never crash, hang or run out of memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, ROOT, knowledge_root

HOSTILE = Path(__file__).parent / "hostile_data" / "refused"
CASES: dict[str, dict] = yaml.safe_load((HOSTILE / "manifest.yml").read_text(encoding="utf-8"))["cases"]


def apply_case(root: Path, spec: dict) -> None:
    target = root / spec["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.get("remove"):
        target.unlink()
        return
    if "symlink" in spec:
        target.unlink(missing_ok=True)
        target.symlink_to(spec["symlink"])
        return
    start = root / spec.get("from", spec["file"])
    raw = start.read_bytes() if start.exists() else b""
    if "source" in spec:
        added = (HOSTILE / spec["source"]).read_bytes()
        raw = raw + b"\n" + added if spec.get("append") else added
    for old, new in spec.get("patch", []):
        assert raw.count(old.encode()) == 1, f"{old!r} is not once in {start}"
        raw = raw.replace(old.encode(), new.encode())
    if "pad_to" in spec:  # made at test time rather than kept in the repository
        line = b"% padding padding padding padding padding padding padding padding\n"
        raw += line * ((spec["pad_to"] - len(raw)) // len(line) + 1)
    target.write_bytes(raw)


def case_root(tmp_path: Path, spec: dict) -> Path:
    root = knowledge_root(tmp_path / "book", [FIXTURES / "sample-case.yml"])
    apply_case(root, spec)
    return root


def test_the_manifest_and_the_folder_agree():
    used = {spec["source"] for spec in CASES.values() if "source" in spec}
    assert used == {p.name for p in HOSTILE.iterdir() if p.name != "manifest.yml"}
    assert len(CASES) >= 25


def test_the_untouched_knowledge_root_is_valid(tmp_path):
    """Otherwise the cases below could pass on problems that have nothing to do with them."""
    kb = load_knowledge_base(knowledge_root(tmp_path, [FIXTURES / "sample-case.yml"]))
    assert kb.problems == [] and "sample-case" in kb.records


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_data_is_refused_naming_file_and_field(tmp_path, name):
    spec = CASES[name]
    root = case_root(tmp_path, spec)
    started = time.monotonic()
    kb = load_knowledge_base(root)
    assert time.monotonic() - started < 30, "refused without expanding or reading without end"
    shown = "\n".join(map(str, kb.problems)) or "(no problem reported)"
    blamed = spec.get("problem_file", spec["file"])
    assert any(
        p.file == blamed
        and p.field == spec["field"]
        and spec["message"] in f"{p.message} — {p.fix}"
        and p.line == spec.get("line", p.line)
        for p in kb.problems
    ), shown
    assert {p.file for p in kb.problems} == {blamed}, "only the hostile file is blamed:\n" + shown
    assert all(p.fix for p in kb.problems)
    if "max_problems" in spec:
        assert len(kb.problems) <= spec["max_problems"], len(kb.problems)


@pytest.mark.parametrize("name", sorted(n for n, spec in CASES.items() if spec.get("cli")))
def test_the_command_line_refuses_hostile_data_without_a_traceback(tmp_path, name):
    spec = CASES[name]
    root = case_root(tmp_path, spec)
    done = subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(root), "validate"],
        capture_output=True,
        text=True,
        timeout=120,  # an alias bomb or /dev/zero would otherwise run until memory or patience ran out
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert f"{spec['file']}:" in output and spec["message"] in output, output
