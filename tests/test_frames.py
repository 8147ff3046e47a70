"""The one tabular model: a row per case study and per outcome, joined by key, never by position;
and vocabulary terms as a declared model whose bad values are reported file:line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evidencebook.chapters.outcomes import outcome_frame
from evidencebook.publish.frames import OUTCOME_KEY, case_frame, join_cases, outcomes_with_cases
from evidencebook.publish.frames import outcome_frame as bare_outcome_frame
from evidencebook.records.kb import load_knowledge_base

from .conftest import FIXTURES, knowledge_root


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(FIXTURES.parent.parent)


def test_each_outcome_carries_its_own_case_study_whatever_the_row_order(kb):
    outcomes, cases = bare_outcome_frame(kb), case_frame(kb)
    assert len(outcomes) > 3 and cases["case_id"].nunique() > 3
    joined = join_cases(outcomes, cases).set_index(OUTCOME_KEY).sort_index()
    shuffled = join_cases(outcomes.sample(frac=1, random_state=1), cases.sample(frac=1, random_state=2))
    pd.testing.assert_frame_equal(joined, shuffled.set_index(OUTCOME_KEY).sort_index())
    for (case_id, number), row in joined.iterrows():
        record = kb.records[case_id]
        outcome = record.outcomes[number - 1]
        assert (row["case"], row["metric"], row["domain_id"]) == (record.title, outcome.metric, outcome.domain)
        assert row["evidence_id"] == record.evidence.type and row["level_id"] == record.level


def test_an_outcome_without_its_case_study_is_an_error_not_a_shifted_row(kb):
    outcomes, cases = bare_outcome_frame(kb), case_frame(kb)
    with pytest.raises(ValueError, match="not in the case frame"):
        join_cases(outcomes, cases[cases["case_id"] != outcomes["case_id"].iloc[0]])
    with pytest.raises(pd.errors.MergeError):
        join_cases(outcomes, pd.concat([cases, cases]))


def test_the_chapters_and_the_exports_read_the_same_rows(kb):
    from evidencebook.publish.export import case_rows, outcome_rows

    chapter = outcome_frame(kb)
    pd.testing.assert_frame_equal(chapter, outcomes_with_cases(kb))
    exported = list(outcome_rows(kb))
    assert [(r["case_study_id"], r["outcome"]) for r in exported] == list(zip(chapter["case_id"], chapter["outcome"], strict=True))
    assert [r["kind"] for r in exported] == list(chapter["kind_id"])
    assert [r["id"] for r in case_rows(kb)] == list(case_frame(kb)["case_id"])


def test_an_empty_book_has_frames_with_their_columns(tmp_path: Path):
    empty = load_knowledge_base(knowledge_root(tmp_path))
    assert case_frame(empty).empty and "evidence_rank" in case_frame(empty)
    assert outcome_frame(empty).empty and "evidence_id" in outcome_frame(empty)


def vocabulary_problems(tmp_path: Path, old: str, new: str) -> list[str]:
    book = knowledge_root(tmp_path)
    path = book / "data" / "vocabularies" / "evidence_types.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return [str(p) for p in load_knowledge_base(book).problems if "evidence_types" in p.file]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("rank: 1\n", "rank: first\n", "data/vocabularies/evidence_types.yml:10: terms[0].rank: should be a whole number, not text"),
        ("rank: 1\n", "rank: 0\n", "data/vocabularies/evidence_types.yml:10: terms[0].rank: 0 is out of range"),
        ("    rank: 1\n", "", "data/vocabularies/evidence_types.yml:8: terms[0].rank: is missing: evidence types are ordered strongest first by rank — add `rank:`"),
    ],
)
def test_a_bad_rank_is_reported_at_its_line_with_a_fix(tmp_path, old, new, expected):
    found = vocabulary_problems(tmp_path, old, new)
    assert any(p.startswith(expected) for p in found), found


def test_terms_are_in_rank_order_strongest_first(kb):
    ranked = kb.vocab("evidence_types").ranked()
    assert [t.rank for t in ranked] == sorted(t.rank for t in ranked)
    assert ranked[0].id == "systematic-review"
    assert kb.vocab("outcome_kinds").ranked() == kb.vocab("outcome_kinds").terms, "unranked terms keep file order"
