"""Load a YAML record defensively, keeping the line of every field for error messages.

Records arrive from strangers by pull request, so the loader refuses what a record never needs
(anchors and aliases, custom tags, several documents, deep nesting, huge files) before any value is
built, reports duplicate keys instead of silently keeping the last one, and never raises: every
problem comes back as a `YamlProblem` with a line number and a fix.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is ~8x faster at 10,000 records; fall back to pure Python where it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_BYTES = 256 * 1024
MAX_DEPTH = 12

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

Path_ = tuple  # a location inside the record: keys and list indexes


@dataclass
class YamlProblem:
    line: int
    path: Path_
    message: str
    fix: str


@dataclass
class LoadedYaml:
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        """The line of the closest enclosing field that has one (1 when nothing does)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def load_yaml_file(path: Path) -> LoadedYaml:
    raw, problem = read_file(path, MAX_BYTES, "a case study or data file fits in a few kilobytes: shorten it or split it into several files")
    return load_yaml_bytes(raw) if problem is None else LoadedYaml(problems=[problem])


def read_file(path: Path, limit: int, too_big_fix: str) -> tuple[bytes, YamlProblem | None]:
    """The bytes of a regular file of at most `limit` bytes, or the problem that stops it being read.
    Every file a pull request can change is read through this (records, data, references.bib)."""
    # A symbolic link could point anywhere on the machine that builds the book (or at /dev/zero).
    if path.is_symlink():
        return b"", YamlProblem(1, (), "is a symbolic link", "replace the link with the file itself")
    try:
        if not path.is_file():
            return b"", YamlProblem(1, (), "is not a regular file", "the book's inputs are plain text files")
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)  # never read more than the limit, whatever stat says
    except OSError as err:
        return b"", YamlProblem(1, (), f"cannot be read ({err.strerror})", "check the file exists and is readable")
    if len(raw) > limit:
        size = max(path.stat().st_size, len(raw))
        return b"", YamlProblem(1, (), f"is {size:,} bytes, more than the limit of {limit:,}", too_big_fix)
    return raw, None


_UTF16_32_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def load_yaml_bytes(raw: bytes) -> LoadedYaml:
    text, problem = decode_utf8(raw)
    return load_yaml_text(text) if problem is None else LoadedYaml(problems=[problem])


def decode_utf8(raw: bytes) -> tuple[str, YamlProblem | None]:
    """The text of a file that must be UTF-8, or a problem saying what it was saved as instead."""
    for bom, name in _UTF16_32_BOMS.items():  # UTF-32 first: its little-endian mark starts like UTF-16's
        if raw.startswith(bom):
            return "", YamlProblem(1, (), f"is saved as {name}, not UTF-8", "save the file with UTF-8 encoding (in most editors: Save As, Encoding: UTF-8)")
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        hint = " (the file looks like UTF-16)" if raw.count(b"\0") * 4 >= len(raw) else ""
        return "", YamlProblem(line, (), f"contains a NUL byte{hint}", "save the file as UTF-8 text; text files never contain NUL bytes")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        guess = raw[err.start : err.start + 1].decode("cp1252", errors="replace")
        hint = f", perhaps {guess!r} saved as Latin-1 or Windows-1252" if guess.isprintable() and guess != "\ufffd" else ""
        return "", YamlProblem(line, (), f"is not valid UTF-8 (byte 0x{raw[err.start]:02x}{hint})", "save the file with UTF-8 encoding")


def load_yaml_text(text: str) -> LoadedYaml:
    text = text.removeprefix("\ufeff")
    result = LoadedYaml()
    for number, line in enumerate(text.splitlines(), 1):
        control = next((ch for ch in line if ch not in "\t\u0085" and unicodedata.category(ch) in ("Cc", "Cs")), None)
        if control is not None:
            result.problems.append(
                YamlProblem(number, (), f"contains the control character U+{ord(control):04X}", "delete it: records hold plain text")
            )
            continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            result.problems.append(
                YamlProblem(number, (), "a tab character is used for indentation", "indent with spaces, not tabs")
            )
    if result.problems:
        return result
    if not text.strip() or all(ln.lstrip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return _fail(1, "is empty", "fill in the fields: copy case_studies/_template.yml as a start")
    try:
        if _too_deep(text):
            return _fail(1, f"is nested more than {MAX_DEPTH} levels deep", "records are shallow: follow the template")
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        context = err.context
        if context and err.context_mark is not None and err.context_mark.line + 1 != line:
            context = f"{context} started on line {err.context_mark.line + 1},"
        what = " ".join(str(p) for p in (context, err.problem) if p)
        return _fail(line, f"is not valid YAML: {what}", _syntax_fix(what))
    except yaml.YAMLError as err:
        position = getattr(err, "position", None)  # a reader error: a character YAML does not accept
        line = text[:position].count("\n") + 1 if isinstance(position, int) else 1
        return _fail(line, f"is not valid YAML: {' '.join(str(err).split())}", "check the file against case_studies/_template.yml")
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        return _fail(1, f"is nested more than {MAX_DEPTH} levels deep", "records are shallow: follow the template")
    if root is None:
        return _fail(1, "is empty", "fill in the fields: copy case_studies/_template.yml as a start")
    builder = _Builder(result)
    result.data = builder.build(root, (), 0)
    result.lines.setdefault((), root.start_mark.line + 1)
    return result


# libyaml's composer recurses once per level of nesting and crashes the whole process (a segmentation
# fault, not an exception) somewhere past 10,000 levels. Indentation alone cannot nest that deep within
# MAX_BYTES; flow brackets and compact "- - -" sequences can, one or two bytes a level. When a file has
# many of those, its depth is measured from the parser's events first, which needs no recursion.
_NESTING_MARKS = ("[", "{", "- ", "-\t", "? ")
_NESTING_MARKS_CHECKED = 1000


def _too_deep(text: str) -> bool:
    if sum(text.count(mark) for mark in _NESTING_MARKS) <= _NESTING_MARKS_CHECKED:
        return False
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the builder reports depth MAX_DEPTH + 1 with the field's path
                return True
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return False


# YAML 1.2 (most YAML libraries outside Python) reads these plain scalars as numbers; PyYAML (YAML 1.1) as text.
_YAML12_NUMBER = re.compile(r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)")
_PLAIN_EXAMPLE = "1000, 12.5 or 0.015"


def version_trap(text: str, tag: str) -> str | None:
    """Why a plain scalar is read differently by YAML 1.1 (PyYAML, which loads it here) and YAML 1.2
    (editors, linters, other tools), or None when every reader agrees. A record must mean one thing."""
    body = text.lstrip("+-")
    if tag == "tag:yaml.org,2002:bool" and text.lower() not in ("true", "false"):
        return "a yes/no word that YAML 1.1 reads as true or false, and YAML 1.2 as text"
    if tag == "tag:yaml.org,2002:str":
        if text in ("y", "Y", "n", "N"):
            return "a one-letter yes/no that some YAML readers take as true or false"
        if _YAML12_NUMBER.fullmatch(text):
            return "read as text by YAML 1.1 but as a number by YAML 1.2"
        return None
    if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return None
    if ":" in body:
        return "a base-60 number in YAML 1.1 (1:4 is read as 64, 12:30:00 as 45000), text in YAML 1.2"
    if "_" in body:
        return "a number with underscores, read as a number by YAML 1.1 and as text by YAML 1.2"
    if body[:2] in ("0b", "0B"):
        return "a binary number in YAML 1.1 (0b101 is 5), text in YAML 1.2"
    if tag == "tag:yaml.org,2002:int" and len(body) > 1 and body[0] == "0" and body[1].isdigit():
        return "an octal number in YAML 1.1 because of its leading zero (017 is 15), decimal in YAML 1.2"
    return None


def _syntax_fix(what: str) -> str:
    if "expected a single document" in what:
        return "a record is one YAML document: remove the extra '---' line"
    if "mapping values are not allowed" in what:
        return "put text that contains ': ' in quotes"
    if "found character" in what and "cannot start any token" in what:
        return "put the value in quotes"
    return "check indentation and quoting on this line and the one before it"


def _fail(line: int, message: str, fix: str) -> LoadedYaml:
    return LoadedYaml(problems=[YamlProblem(line, (), message, fix)])


class _Builder:
    def __init__(self, result: LoadedYaml):
        self.result = result
        self.seen: set[int] = set()

    def problem(self, node, path, message, fix, line=None):
        # A field's own line (where its key is) beats the node's: an alias's node starts at its anchor.
        line = line or self.result.lines.get(path, node.start_mark.line + 1)
        self.result.problems.append(YamlProblem(line, path, message, fix))

    def build(self, node, path, depth):
        if id(node) in self.seen:
            self.problem(node, path, "uses a YAML alias (*name)", "write the value out in full: anchors and aliases are not allowed")
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.problem(node, path, f"is nested more than {MAX_DEPTH} levels deep", "records are shallow: follow the template")
            return None
        self.result.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
            self.problem(node, path, f"uses the YAML tag {node.tag!r}", "remove the tag: these files hold plain text, numbers and lists")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag not in _PLAIN_TAGS:
            self.problem(node, path, f"uses the YAML tag {node.tag!r}", "remove the tag: these files hold plain text, numbers and lists")
            return None
        if not node.style:  # plain, unquoted: read by the YAML rules, which differ between versions
            trap = version_trap(node.value, node.tag)
            if trap is not None:
                self.problem(node, path, f"{node.value!r} is {trap}", f"write it plainly or quote it: a number in plain decimal digits (e.g. {_PLAIN_EXAMPLE}), text in quotes (\"{node.value}\"), yes/no as true/false")
                return None
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # a date stays as written; the schema decides whether it is allowed
        try:
            return _CONSTRUCTOR.construct_object(node)
        except (yaml.YAMLError, ValueError) as err:
            self.problem(node, path, f"cannot be read: {err}", "put the value in quotes")
            return None

    def build_mapping(self, node, path, depth):
        data: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, path, "uses a YAML merge key (<<)", "write the fields out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, path, f"has a key that is not a field name ({key_node.value!r})", "field names are plain words such as 'title'")
                continue
            key = key_node.value
            if key in data:
                first = self.result.lines.get((*path, key), "?")
                self.problem(
                    key_node,
                    (*path, key),
                    f"is given twice (first on line {first})",
                    "keep one of the two values and delete the other",
                    line=key_node.start_mark.line + 1,
                )
                continue
            self.result.lines[(*path, key)] = key_node.start_mark.line + 1
            data[key] = self.build(value_node, (*path, key), depth + 1)
        return data
