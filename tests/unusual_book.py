"""The whole book with valid but unusual data, built once per test session (conftest's `unusual_site`):
the hostile-but-valid values of tests/hostile_data/inert/manifest.yml (test_hostile_inert.py checks they
are published inert) and a new term in several vocabularies, used by a record, with a CSV file saved
with a byte-order mark (test_new_terms.py checks they reach the chapters). One build serves both: a
build of the whole book takes a minute or two, and the two sets of edits touch different values."""

from __future__ import annotations

from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "hostile_data" / "inert"
CASES: dict[str, dict] = yaml.safe_load((CORPUS / "manifest.yml").read_text(encoding="utf-8"))["cases"]

NEW_KIND = "  - id: projected\n    label: Projected\n    definition: A figure carried forward from a trend.\n"
NEW_TERMS = {  # appended to each vocabulary
    "outcome_kinds.yml": NEW_KIND,
    "levels.yml": "  - id: county\n    label: County\n    definition: A shire county.\n"
    "    population_min: 600000\n    population_max: 1500000\n",
    "evidence_types.yml": "  - id: case-report\n    label: Case report\n    rank: 8\n    definition: One account.\n",
    "themes.yml": "  - id: housing\n    label: Housing and health\n    definition: Homes.\n",
}
NEW_TERM_RECORDS = {  # file: [(text, replacement)], each replaced once
    "case_studies/birmingham-umbrella-sexual-health.yml": [
        ("kind: target", "kind: projected"),
        ("level: place\n", "level: county\n"),
        ("themes:\n", "themes:\n  - housing\n"),
    ],
    "case_studies/all-together-better-sunderland.yml": [("type: descriptive", "type: case-report")],
}
BOM_CSV = "data/population-levels.csv"  # saved with a byte-order mark, as a spreadsheet may
# Every file the edits change (the others are the real book's).
EDITED_FILES = (
    {case["file"] for case in CASES.values()}
    | {f"data/vocabularies/{name}" for name in NEW_TERMS}
    | set(NEW_TERM_RECORDS)
    | {BOM_CSV}
)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def apply_cases(book: Path) -> None:
    """The hostile-but-valid values of the manifest, each replacing its text once."""
    for name, case in CASES.items():
        path = book / case["file"]
        text = path.read_bytes().decode("utf-8")
        assert case["replace"] in text, f"{name}: {case['replace']!r} is no longer in {case['file']}: update the case"
        path.write_bytes(text.replace(case["replace"], case["with"], 1).encode("utf-8"))


def apply_new_terms(book: Path) -> None:
    for name, text in NEW_TERMS.items():
        append(book / "data" / "vocabularies" / name, text)
    for file, replacements in NEW_TERM_RECORDS.items():
        for old, new in replacements:
            replace_once(book / file, old, new)
    csv_file = book / BOM_CSV
    csv_file.write_bytes(b"\xef\xbb\xbf" + csv_file.read_bytes())
