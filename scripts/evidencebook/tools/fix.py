"""The canonical layout of a record, and `evidencebook fix`, which rewrites records into it.

One layout for every record keeps pull-request diffs to the lines whose values changed:

- the editor schema line first (`# yaml-language-server: $schema=_schema.json`), no other comments;
- fields in the order the schema declares them (schema.py), unknown fields after them as written;
- two-space indentation, list items indented under their field, `[]` for an empty list;
- text plain where YAML reads it back as the same text, in double quotes otherwise;
- text that runs over several lines (summaries) in block style (`|`);
- LF line endings, no trailing spaces, no byte-order mark, one final newline.

Rewriting never changes a value: every rewritten text is parsed again and compared with the
original's data, and a file whose data would differ is left alone (that would be a bug here).
Files the validator cannot parse are refused with the validator's own messages.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ..records.filecache import FileCache, file_digest, library_digest
from ..records.schema import CaseStudy, inner_model
from ..records.validate import Problem, field_name
from ..records.yamlsafe import load_yaml_bytes, version_trap

SCHEMA_LINE = "# yaml-language-server: $schema=_schema.json"
INDENT = "  "

# What `make fix` mends, in the words the validator's tip and CONTRIBUTING.md use.
FIXES = "field order, indentation, quoting, block-style summaries, trailing spaces, line endings and the editor schema line"


class NotRoundTrip(Exception):
    """The canonical text would not read back as the same data (a bug in this module, never hidden)."""


# --- the emitter ----------------------------------------------------------------------------------


def _ordered(mapping: dict, model: type[BaseModel] | None) -> list[str]:
    known = list(model.model_fields) if model is not None else []
    return [k for k in known if k in mapping] + [k for k in mapping if k not in known]


def _child_model(model: type[BaseModel] | None, key: str) -> type[BaseModel] | None:
    if model is None or key not in model.model_fields:
        return None
    return inner_model(model.model_fields[key].annotation)


_RESOLVER = yaml.resolver.Resolver()


def _plain_ok(text: str) -> bool:
    """Whether `text` can be written without quotes and read back as the same text."""
    if not text or text != text.strip() or "\n" in text:
        return False
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag != "tag:yaml.org,2002:str":
        return False  # would read back as a number, a date, true/false or null
    if version_trap(text, tag):
        return False  # text other YAML readers take for a number or yes/no (Y, 0o17): the loader refuses it plain
    analysis = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True).analyze_scalar(text)
    return analysis.allow_block_plain and not analysis.multiline


def _quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    # JSON escapes are YAML double-quoted escapes; characters YAML will not read raw get \u escapes.
    try:
        if yaml.load(quoted, Loader=yaml.SafeLoader) == text:
            return quoted
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=True)


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return yaml.SafeDumper(io.StringIO()).represent_float(value).value
        text = repr(value)
        return (
            text
            if "." in text or "e" not in text
            else yaml.SafeDumper(io.StringIO()).represent_float(value).value
        )
    text = str(value)
    return text if _plain_ok(text) else _quoted(text)


def _block_ok(text: str) -> bool:
    """Whether a multi-line text can be written as a literal block (`|`) and read back unchanged."""
    body = text.rstrip("\n")
    if not body or body[0] in " \t" or "\r" in text:
        return False
    lines = body.split("\n")
    if any(line != line.rstrip(" \t") for line in lines):
        return False  # trailing spaces inside a block are invisible and editors strip them: quote instead
    return not any(ch in text for ch in "\x00\ufeff\u2028\u2029\x85")


def _block(text: str, indent: str) -> list[str]:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    indicator = "|-" if trailing == 0 else ("|" if trailing == 1 else "|+")
    lines = [indicator]
    for line in body.split("\n"):
        lines.append(f"{indent}{line}" if line else "")
    lines.extend([""] * (trailing - 1 if trailing > 1 else 0))
    return lines


def _value_lines(value: Any, indent: str, model: type[BaseModel] | None) -> tuple[str, list[str]]:
    """(what follows `key:` on its line, the lines below it) for a value nested at `indent`."""
    if isinstance(value, dict):
        if not value:
            return " {}", []
        return "", _mapping(value, indent, model)
    if isinstance(value, list):
        if not value:
            return " []", []
        return "", _sequence(value, indent, model)
    if isinstance(value, str) and "\n" in value and _block_ok(value):
        first, *rest = _block(value, indent)
        return " " + first, rest
    return " " + scalar(value), []


def _mapping(mapping: dict, indent: str, model: type[BaseModel] | None) -> list[str]:
    out = []
    for key in _ordered(mapping, model):
        head, below = _value_lines(mapping[key], indent + INDENT, _child_model(model, key))
        out.append(f"{indent}{scalar(key)}:{head}")
        out.extend(below)
    return out


def _sequence(items: list, indent: str, model: type[BaseModel] | None) -> list[str]:
    out = []
    for item in items:
        if isinstance(item, dict) and item:
            inner = _mapping(item, indent + INDENT, model)
            out.append(f"{indent}- {inner[0].lstrip()}")
            out.extend(inner[1:])
        elif isinstance(item, list) and item:
            out.append(f"{indent}-")
            out.extend(_sequence(item, indent + INDENT, model))
        else:
            head, below = _value_lines(item, indent + INDENT, model)
            out.append(f"{indent}-{head}")
            out.extend(below)
    return out


def dump_canonical(data: dict, model: type[BaseModel] = CaseStudy, comments: dict | None = None) -> str:
    """The canonical text of a record's data (which must be a mapping). Raises NotRoundTrip if unsafe.

    `comments` (path tuple -> comment lines) puts comments above top-level and nested fields; only the
    scaffolder uses it, since `fix` writes records without comments.
    """
    lines = [SCHEMA_LINE, *_mapping(data, "", model)]
    if comments:
        lines = _with_comments(data, model, comments)
    text = "\n".join(lines) + "\n"
    reread = load_yaml_bytes(text.encode("utf-8"))
    if reread.problems or reread.data != data or not _same_types(reread.data, data):
        raise NotRoundTrip("the canonical text does not read back as the same data")
    return text


def _same_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return True


def _with_comments(data: dict, model: type[BaseModel], comments: dict) -> list[str]:
    out = [SCHEMA_LINE]
    for key in _ordered(data, model):
        for comment in comments.get((key,), []):
            out.append(f"# {comment}".rstrip())
        value = data[key]
        child = _child_model(model, key)
        if isinstance(value, dict) and value:
            out.append(f"{key}:")
            for sub in _ordered(value, child):
                for comment in comments.get((key, sub), []):
                    out.append(f"{INDENT}# {comment}".rstrip())
                head, below = _value_lines(value[sub], INDENT * 2, _child_model(child, sub))
                out.append(f"{INDENT}{scalar(sub)}:{head}")
                out.extend(below)
        else:
            head, below = _value_lines(value, INDENT, child)
            out.append(f"{key}:{head}")
            out.extend(below)
    return out


# --- files ----------------------------------------------------------------------------------------


@dataclass
class FixResult:
    path: Path
    rel: str
    text: str | None = None  # the canonical text, when the file could be read
    changed: bool = False
    comments_dropped: int = 0
    problems: list[Problem] = field(default_factory=list)


def canonical_file(path: Path, rel: str) -> FixResult:
    raw = path.read_bytes()
    loaded = load_yaml_bytes(raw)
    if loaded.problems:
        return FixResult(
            path,
            rel,
            problems=[Problem(rel, p.line, field_name(p.path), p.message, p.fix) for p in loaded.problems],
        )
    if not isinstance(loaded.data, dict):
        return FixResult(
            path,
            rel,
            problems=[
                Problem(rel, 1, "(file)", "is not a set of fields", "start from case_studies/_template.yml")
            ],
        )
    try:
        text = dump_canonical(loaded.data)
    except NotRoundTrip as err:
        return FixResult(
            path,
            rel,
            problems=[
                Problem(
                    rel,
                    1,
                    "(file)",
                    f"cannot be rewritten safely ({err})",
                    "leave it as it is and report this",
                )
            ],
        )
    original = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    dropped = sum(
        1 for line in original.splitlines() if line.lstrip().startswith("#") and line.strip() != SCHEMA_LINE
    )
    return FixResult(path, rel, text, changed=text.encode("utf-8") != raw, comments_dropped=dropped)


def record_files(root: Path, names: list[str] | None = None) -> list[Path]:
    """The record files to fix: the given ones, or every record in case_studies/ (not the template)."""
    if names:
        return [Path(n) if Path(n).is_absolute() else (Path.cwd() / n) for n in names]
    return sorted(p for p in (root / "case_studies").glob("*.y*ml") if not p.name.startswith(("_", ".")))


def not_canonical(root: Path, paths: list[Path] | None = None) -> list[str]:
    """Record files (relative paths) that parse but are not in the canonical layout."""
    out = []
    # The answer only depends on the file's text and this code: remembered between runs (`make validate`
    # gives this tip every time, and re-dumping thousands of records would cost seconds).
    cache = FileCache.open(root, "layout", library_digest())
    for path in paths if paths is not None else record_files(root):
        rel = _rel(path, root)
        digest = file_digest(path)
        hit, changed = cache.get(rel, digest)
        if not hit:
            result = canonical_file(path, rel)
            changed = result.text is not None and result.changed
            cache.put(rel, digest, changed)
        if changed:
            out.append(rel)
    cache.save()
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def fix_files(root: Path, paths: list[Path], check: bool = False) -> tuple[list[FixResult], list[FixResult]]:
    """Rewrite (or with check=True, only inspect) each file. Returns (changed, refused)."""
    changed, refused = [], []
    for path in paths:
        result = canonical_file(path, _rel(path, root))
        if result.problems:
            refused.append(result)
        elif result.changed:
            if not check:
                path.write_text(result.text, encoding="utf-8", newline="\n")
            changed.append(result)
    return changed, refused
