"""Files derived from the schema (schema.py) and the vocabularies: never edit them by hand.

- case_studies/_schema.json   JSON Schema for editors (vocabulary terms become enums)
- case_studies/_template.yml  the commented contributor template
- docs/record-fields.md       the table of fields (also written into CONTRIBUTING.md)
- docs/validation-rules.md    the validation rules, from their registry (records/rules)
- CONTRIBUTING.md             only its sections between `<!-- derived:NAME -->` markers
- .github/ISSUE_TEMPLATE/case-study.yml  the issue form for suggesting a case study without git
- CITATION.cff, .zenodo.json  the book's citation metadata, from _config.yml (tools/metadata.py)

`evidencebook derive` rewrites them; `evidencebook derive --check` (run by the tests) fails when
one is out of date.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..publish.contribute import forms_section
from ..records.book import read_book
from ..records.schema import CaseStudy, inner_model
from ..records.vocab import Vocabulary
from ..records.vocabularies import load_vocabularies
from .metadata import metadata_files

SCHEMA_URL = "https://place-based-health.github.io/evidence-book/case-study.schema.json"


# --- JSON Schema ----------------------------------------------------------------------------------


def json_schema(vocabularies: dict[str, Vocabulary]) -> dict[str, Any]:
    schema = CaseStudy.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_URL

    def inject(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("vocabulary")
            if name in vocabularies and vocabularies[name].terms:
                ids = vocabularies[name].ids()
                target = node.get("items", node) if node.get("type") == "array" else node
                if node.get("vocabulary_prefix"):
                    target["pattern"] = "^(" + "|".join(_re_escape(i) for i in ids) + r")( per .+)?$"
                elif "anyOf" in target:  # optional: str | None
                    for option in target["anyOf"]:
                        if option.get("type") == "string":
                            option["enum"] = ids
                else:
                    target["enum"] = ids
            for value in node.values():
                inject(value)
        elif isinstance(node, list):
            for value in node:
                inject(value)

    inject(schema)
    return schema


def _re_escape(text: str) -> str:
    import re

    return re.escape(text)


# --- the commented template -----------------------------------------------------------------------

TEMPLATE_HEADER = """\
# yaml-language-server: $schema=_schema.json
#
# Template for a case study. Copy it to case_studies/<id>.yml (or run `make new-case-study`),
# fill it in, delete the comments you no longer need, and run `make validate`.
# Generated from scripts/evidencebook/records/schema.py by `make derive`: do not edit by hand.
#
# Write every sentence in your own words. Every figure needs its unit, period and comparison,
# and every source a locator (page, section, box or case-study number).
"""


def _annotation_label(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or str(origin) == "types.UnionType" or (origin is not None and type(None) in args):
        parts = [a for a in args if a is not type(None)]
        return " or ".join(_annotation_label(a) for a in parts)
    if origin is list:
        return f"list of {_annotation_label(args[0])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is typing.Annotated:
        return _annotation_label(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def _field_rows(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        yield prefix + name, info, _annotation_label(info.annotation), extra.get("vocabulary")
        inner = inner_model(info.annotation)
        if inner is not None:
            is_list = typing.get_origin(info.annotation) is list
            yield from _field_rows(inner, prefix + name + ("[]." if is_list else "."))


def _allowed(vocab_name: str | None, vocabularies: dict[str, Vocabulary], limit: int = 40) -> str:
    if not vocab_name or vocab_name not in vocabularies:
        return ""
    vocab = vocabularies[vocab_name]
    if vocab_name == "framework_items":
        return "ids of items in data/frameworks/*.yml"
    ids = vocab.ids()
    shown = ", ".join(ids[:limit]) + (", ..." if len(ids) > limit else "")
    where = f"data/vocabularies/{vocab_name}.yml"
    return f"{shown} (defined in {where})"


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _example_yaml(value: Any, indent: str) -> list[str]:
    return [f"{indent}- {_yaml_scalar(v)}" for v in value] if isinstance(value, list) else []


def template(vocabularies: dict[str, Vocabulary]) -> str:
    lines = [TEMPLATE_HEADER]

    def emit(model: type[BaseModel], indent: str, in_list: bool = False) -> None:
        first = True
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            required = info.is_required()
            label = _annotation_label(info.annotation)
            allowed = _allowed(extra.get("vocabulary"), vocabularies)
            lines.append(f"{indent}# {name} ({'required' if required else 'optional'}, {label}): {info.description or ''}")
            if allowed:
                lines.append(f"{indent}#   allowed: {allowed}")
            lead = indent[:-2] + "- " if (in_list and first) else indent
            first = False
            inner = inner_model(info.annotation)
            is_list = typing.get_origin(info.annotation) is list or (
                typing.get_origin(info.annotation) is typing.Annotated and typing.get_origin(typing.get_args(info.annotation)[0]) is list
            )
            example = info.examples[0] if info.examples else None
            if inner is not None and is_list:
                lines.append(f"{lead}{name}:")
                emit(inner, indent + "    ", in_list=True)
            elif inner is not None:
                lines.append(f"{lead}{name}:")
                emit(inner, indent + "  ")
            elif is_list and example == []:
                lines.append(f"{lead}{name}: []")
            elif is_list:
                lines.append(f"{lead}{name}:")
                lines.extend(_example_yaml(example if example is not None else ["..."], indent + "  "))
            elif name in ("summary",):
                lines.append(f"{lead}{name}: |")
                lines.append(f"{indent}  Two or three short paragraphs in your own words: what was done, by whom, why, and what happened.")
            else:
                value = _yaml_scalar(example) if example is not None else '""'
                lines.append(f"{lead}{name}: {value}")

    emit(CaseStudy, "")
    return "\n".join(lines).rstrip() + "\n"


# --- the docs table -------------------------------------------------------------------------------


def fields_table(vocabularies: dict[str, Vocabulary]) -> str:
    out = [
        "<!-- Generated from scripts/evidencebook/records/schema.py by `make derive`: do not edit by hand. -->",
        "",
        "| Field | Required | Type | Meaning | Allowed values |",
        "|---|---|---|---|---|",
    ]
    for path, info, label, vocab_name in _field_rows(CaseStudy):
        allowed = _allowed(vocab_name, vocabularies, limit=60)
        cells = [f"`{path}`", "yes" if info.is_required() else "no", label, info.description or "", allowed]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def rules_doc() -> str:
    from ..records.rules import rules_table

    return (
        "<!-- Generated from the registry in scripts/evidencebook/records/rules by `make derive`: do not edit by hand. -->\n\n"
        "# Validation rules\n\n"
        "Beyond the schema (scripts/evidencebook/records/schema.py), `make validate` and the build check these rules; "
        "each problem is reported as `file:line: field: what is wrong — how to fix it`. "
        "`evidencebook validate --rules` prints this list. Each rule has a case of bad input in tests/test_rules.py.\n\n"
        + rules_table()
    )


# --- writing and checking -------------------------------------------------------------------------


def derived_files(root: Path) -> dict[Path, str]:
    vocabularies = load_vocabularies(root / "data")
    files = {
        root / "case_studies" / "_schema.json": json.dumps(json_schema(vocabularies), indent=2, ensure_ascii=False) + "\n",
        root / "case_studies" / "_template.yml": template(vocabularies),
        root / "docs" / "record-fields.md": fields_table(vocabularies),
        root / "docs" / "validation-rules.md": rules_doc(),
        root / ISSUE_FORM: issue_form(vocabularies),
        **metadata_files(root),
    }
    contributing = root / CONTRIBUTING
    if contributing.exists():  # hand-written around its derived sections (see below)
        sections = contributing_sections(vocabularies) | {"forms": forms_section(read_book(root))}
        files[contributing] = fill_sections(contributing.read_text(encoding="utf-8"), sections)
    return files


def write_derived(root: Path) -> list[Path]:
    changed = []
    for path, text in derived_files(root).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_derived(root: Path) -> list[Path]:
    return [p for p, text in derived_files(root).items() if not p.exists() or p.read_text(encoding="utf-8") != text]


# --- CONTRIBUTING.md: sections kept current between markers -----------------------------------------
#
# CONTRIBUTING.md is written by hand except between `<!-- derived:NAME -->` and
# `<!-- /derived:NAME -->`, where `make derive` writes the parts that come from the schema and the
# vocabularies. GitHub shows the file as it is (it cannot include files), so the text itself must
# be current; the check below fails when it is not.

CONTRIBUTING = "CONTRIBUTING.md"
ISSUE_FORM = ".github/ISSUE_TEMPLATE/case-study.yml"


def _marker(name: str) -> tuple[str, str]:
    return f"<!-- derived:{name} (written by `make derive`; edit schema.py or data/vocabularies, not this) -->", f"<!-- /derived:{name} -->"


def judging_tables(vocabularies: dict[str, Vocabulary]) -> str:
    """The evidence types, outcome kinds and statuses, with their definitions, as Markdown tables."""
    out = []
    for name, heading in (("evidence_types", "Evidence types, strongest first"), ("outcome_kinds", "Outcome kinds"), ("statuses", "Status")):
        vocab = vocabularies[name]
        out += [f"**{heading}** (`data/vocabularies/{name}.yml`). {vocab.description.strip()}", ""]
        out += ["| Term | Name | Use it when |", "|---|---|---|"]
        for term in vocab.ranked():
            definition = term.definition.replace("|", "\\|")
            out.append(f"| `{term.id}` | {term.label} | {definition} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def contributing_sections(vocabularies: dict[str, Vocabulary]) -> dict[str, str]:
    return {
        "template": "```yaml\n" + template(vocabularies) + "```\n",
        "fields": fields_table(vocabularies),
        "judging": judging_tables(vocabularies),
    }


def fill_sections(text: str, sections: dict[str, str], where: str = CONTRIBUTING) -> str:
    for name, body in sections.items():
        begin, end = _marker(name)
        start = text.find(f"<!-- derived:{name} ")
        stop = text.find(end)
        if start < 0 or stop < start:
            raise ValueError(f"{where}: the markers for the derived section {name!r} are missing — put `{begin}` and `{end}` where it belongs")
        text = text[:start] + begin + "\n\n" + body.rstrip("\n") + "\n\n" + text[stop:]
    return text


# --- the issue form for people who do not use git --------------------------------------------------

ISSUE_FORM_HEADER = """\
# Generated from scripts/evidencebook/records/schema.py and data/vocabularies by `make derive`: do not edit.
# A form for suggesting a case study without git: its fields mirror a record's required fields.
"""

# Fields of the record the form leaves out or asks for differently: the id is made from the title.
_FORM_SKIP = {"id"}
# How a line of the form's Sources field separates the work from the place in it. The form tells
# contributors, and `evidencebook from-issue` (tools/from_issue.py) reads the lines by it.
SOURCE_LINE_SEPARATOR = " | "
SOURCE_LINE_EXAMPLE = "Place-Based Health Commission (2016) Get well soon: reimagining place-based health | Case study 4, p. 34"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def issue_form(vocabularies: dict[str, Vocabulary]) -> str:
    from ..records.schema import Evidence, Place, SourceRef

    body: list[dict[str, Any]] = [
        {
            "type": "markdown",
            "attributes": {
                "value": (
                    "Thank you for suggesting a case study. Fill in what you know: a maintainer turns it into a record "
                    "(a file in `case_studies/`) and credits you in the pull request. Write in your own words and give "
                    "the source of every figure. The meaning of each field and how to judge the evidence are explained "
                    "in CONTRIBUTING.md."
                )
            },
        }
    ]

    def describe(info) -> str:
        return (info.description or "").replace("`", "")

    def add_field(field_id: str, label: str, info, vocab_name: str | None, multiple: bool = False, required: bool = True, long: bool = False) -> None:
        if vocab_name:
            vocab = vocabularies[vocab_name]
            element: dict[str, Any] = {
                "type": "dropdown",
                "id": field_id,
                "attributes": {
                    "label": label,
                    "description": describe(info) + f" Terms are defined in data/vocabularies/{vocab_name}.yml.",
                    "multiple": multiple,
                    "options": vocab.ids(),
                },
            }
        else:
            element = {
                "type": "textarea" if long else "input",
                "id": field_id,
                "attributes": {"label": label, "description": describe(info)},
            }
        element["validations"] = {"required": required}
        body.append(element)

    fields = CaseStudy.model_fields
    for name, info in fields.items():
        if name in _FORM_SKIP:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        vocab_name = extra.get("vocabulary")
        label = name.replace("_", " ").capitalize()
        if name == "place":
            for sub, sub_info in Place.model_fields.items():
                sub_extra = sub_info.json_schema_extra if isinstance(sub_info.json_schema_extra, dict) else {}
                add_field(f"place-{sub}", f"Place: {sub}", sub_info, sub_extra.get("vocabulary"), required=sub_info.is_required())
        elif name == "evidence":
            for sub, sub_info in Evidence.model_fields.items():
                sub_extra = sub_info.json_schema_extra if isinstance(sub_info.json_schema_extra, dict) else {}
                add_field(f"evidence-{sub}", f"Evidence: {sub}", sub_info, sub_extra.get("vocabulary"), required=sub_info.is_required(), long=True)
        elif name == "sources":
            add_field(
                "sources",
                "Sources",
                type("Info", (), {"description": (
                    "Every source that describes it, one per line: the full reference (authors, year, title, publisher "
                    f"or web address), then a vertical bar ({SOURCE_LINE_SEPARATOR.strip()}) and "
                    + _lower_first(SourceRef.model_fields["locator"].description or "")
                    + " For example: " + SOURCE_LINE_EXAMPLE
                )})(),
                None,
                required=True,
                long=True,
            )
        elif name == "outcomes":
            add_field(
                "outcomes",
                "Outcomes",
                type("Info", (), {"description": (
                    "Every figure the sources give, one per line: what was measured, the number and its unit, the "
                    "period, what it is compared with, and the page. Say whether it was measured, modelled or a target."
                )})(),
                None,
                required=False,
                long=True,
            )
        elif name == "lessons":
            add_field(
                "lessons",
                "Lessons",
                type("Info", (), {"description": (
                    "What the sources say helped or hindered it, how it worked, for whom and where, and what it took or "
                    "cost, one per line with the page. Types: " + ", ".join(vocabularies["lesson_types"].ids())
                    + ". Factors: " + ", ".join(vocabularies["factors"].ids()) + "."
                )})(),
                None,
                required=False,
                long=True,
            )
        elif info.is_required():
            add_field(name, label, info, vocab_name, multiple=typing.get_origin(info.annotation) is list, long=name == "summary")
    body.append(
        {
            "type": "checkboxes",
            "id": "confirm",
            "attributes": {
                "label": "Before you submit",
                "options": [
                    {"label": "The summary and appraisal are in my own words, not copied from the source.", "required": True},
                    {"label": "Every figure above says which source and page it comes from.", "required": True},
                ],
            },
        }
    )
    form = {
        "name": "Suggest a case study",
        "description": "Tell us about a place-based health and care example, without using git.",
        "title": "Case study: ",
        "labels": ["case study"],
        "body": body,
    }
    import yaml

    return ISSUE_FORM_HEADER + yaml.safe_dump(form, sort_keys=False, allow_unicode=True, width=100)
