"""Files derived from the schema (schema.py) and the vocabularies: never edit them by hand.

- case_studies/_schema.json   JSON Schema for editors (vocabulary terms become enums)
- case_studies/_template.yml  the commented contributor template
- docs/record-fields.md       the table of fields included in CONTRIBUTING.md and the book

`evidencebook derive` rewrites them; `evidencebook derive --check` (run by the tests) fails when
one is out of date.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .schema import CaseStudy
from .vocab import Vocabulary, load_vocabularies

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
# Generated from scripts/evidencebook/schema.py by `make derive`: do not edit by hand.
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
        inner = _inner_model(info.annotation)
        if inner is not None:
            is_list = typing.get_origin(info.annotation) is list
            yield from _field_rows(inner, prefix + name + ("[]." if is_list else "."))


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


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
            inner = _inner_model(info.annotation)
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
        "<!-- Generated from scripts/evidencebook/schema.py by `make derive`: do not edit by hand. -->",
        "",
        "| Field | Required | Type | Meaning | Allowed values |",
        "|---|---|---|---|---|",
    ]
    for path, info, label, vocab_name in _field_rows(CaseStudy):
        allowed = _allowed(vocab_name, vocabularies, limit=60)
        cells = [f"`{path}`", "yes" if info.is_required() else "no", label, info.description or "", allowed]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


# --- writing and checking -------------------------------------------------------------------------


def derived_files(root: Path) -> dict[Path, str]:
    vocabularies = load_vocabularies(root / "data")
    return {
        root / "case_studies" / "_schema.json": json.dumps(json_schema(vocabularies), indent=2, ensure_ascii=False) + "\n",
        root / "case_studies" / "_template.yml": template(vocabularies),
        root / "docs" / "record-fields.md": fields_table(vocabularies),
    }


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
