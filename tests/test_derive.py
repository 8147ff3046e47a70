"""Files derived from the schema are current, and the template itself is a record the schema knows."""

from __future__ import annotations

import json

import yaml

from evidencebook.records.schema import CaseStudy
from evidencebook.tools.derive import stale_derived


def test_derived_files_are_up_to_date(root):
    stale = [p.relative_to(root).as_posix() for p in stale_derived(root)]
    assert stale == [], f"run `make derive` and commit: {stale}"


def test_template_starts_with_the_editor_schema_line_and_follows_the_schema(root):
    text = (root / "case_studies" / "_template.yml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=_schema.json"
    CaseStudy.model_validate(yaml.safe_load(text))  # every field of the template is a real field


def test_json_schema_lists_vocabulary_terms_for_editors(root):
    schema = json.loads((root / "case_studies" / "_schema.json").read_text())
    themes = schema["properties"]["themes"]["items"]["enum"]
    assert "social-prescribing" in themes
    assert schema["additionalProperties"] is False


def test_docs_table_has_a_row_per_field(root):
    table = (root / "docs" / "record-fields.md").read_text()
    for field in CaseStudy.model_fields:
        assert f"| `{field}` |" in table
    assert "| `outcomes[].unit` |" in table
