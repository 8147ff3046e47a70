"""The benchmark's synthetic records are valid records: `make bench` builds nothing otherwise (a new
validation rule once made every run stop at its first step, unnoticed)."""

from __future__ import annotations

import importlib.util
import sys

import yaml

from evidencebook.records.kb import load_knowledge_base

from .conftest import ROOT, knowledge_root


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_synthetic_record_of_the_benchmark_is_valid(tmp_path):
    root = knowledge_root(tmp_path / "root")
    records = load_bench().synthetic_records(ROOT, 300)
    for record in records:
        (root / "case_studies" / f"{record['id']}.yml").write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    kb = load_knowledge_base(root)
    assert kb.problems == []
    assert len(kb.records) == 300
    kinds = {o.kind for r in kb.records.values() for o in r.outcomes}
    assert "reported-change" in kinds and "measured" in kinds  # every kind of outcome is exercised
