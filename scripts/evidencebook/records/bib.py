"""references.bib: the keys it defines (with lines, so duplicates can be reported) and plain-text citations."""

from __future__ import annotations

import bisect
import copy
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pybtex.errors
from pybtex.database import BibliographyData, parse_string
from pybtex.database.input.bibtex import UndefinedMacro
from pybtex.plugin import find_plugin

from .characters import describe_character, is_hidden_character
from .schema import BIB_KEY_PATTERN
from .yamlsafe import decode_utf8, read_file

MAX_BIB_BYTES = 1024 * 1024  # about ten times the real file (106 KB)
_ENTRY_START = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
_NOT_ENTRIES = {"comment", "preamble", "string"}
_KEY = re.compile(BIB_KEY_PATTERN)
# @string macros are refused outright, before pybtex sees them: a macro can be defined as several copies
# of another (billion laughs), and pybtex expands them all, exhausting memory. The real file uses none;
# a contributor writes each field out in full. The "@" of each is blanked so pybtex skips the definition.
_STRING_MACRO = re.compile(r"@\s*string\s*[{(]", re.IGNORECASE)
_DUPLICATE_FIELD = re.compile(r"^entry with key (\S+) has a duplicate (\S+) field$")


# Entries formatted, by what they say: formatting is most of the cost of reading references.bib (about a
# second for 288 entries), and an edited file, or another copy of it, mostly repeats entries already seen.
_FORMATTED: dict[tuple, str] = {}


@dataclass
class BibProblem:
    line: int
    key: str
    message: str
    fix: str


@dataclass
class Bibliography:
    path: Path
    keys: dict[str, int] = field(default_factory=dict)  # key -> line of its definition
    problems: list[BibProblem] = field(default_factory=list)
    data: BibliographyData | None = None

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    @cached_property
    def _style(self):
        return find_plugin("pybtex.style.formatting", "plain")()

    @cached_property
    def _text_backend(self):
        # Looked up once: pybtex's render_as("text") looks the backend up (scanning every installed
        # package's entry points) on every call.
        return find_plugin("pybtex.backends", "text")()

    def _format(self, key: str, entry) -> str:
        if "crossref" in entry.fields:  # formatted with the fields of another entry: not remembered by its own
            return self._style.format_entry(key, entry).text.render(self._text_backend)
        written = (
            key,
            entry.type,
            tuple(entry.fields.items()),
            tuple((role, tuple(map(str, people))) for role, people in entry.persons.items()),
        )
        if written not in _FORMATTED:
            _FORMATTED[written] = self._style.format_entry(key, entry).text.render(self._text_backend)
        return _FORMATTED[written]

    @cached_property
    def _citations(self) -> dict[str, str]:
        return {}

    def citation_text(self, key: str) -> str:
        """The work formatted as one line of plain text (for pages and exports); formatted once per key."""
        if key in self._citations:
            return self._citations[key]
        if self.data is None or key not in self.data.entries:
            return key
        entry = self.data.entries[key]
        try:
            text = self._format(key, entry)
        except Exception:  # a malformed entry still gets a readable line: its title
            text = entry.fields.get("title", key)
        self._citations[key] = text
        return text


# Parsed bibliographies by the file's digest: one process (a build's workers, the test suite) reads the
# same references.bib from several roots, and each parse formats every entry (about a second).
_PARSED: dict[str, Bibliography] = {}


def load_bibliography(path: Path) -> Bibliography:
    """The bibliography with every problem in it. Parsing and formatting every entry takes about a
    second, so the result is kept (in the book's _build/) while the file and this library are unchanged."""
    from .filecache import FileCache, file_digest, library_digest

    digest = file_digest(path)
    if digest in _PARSED:
        return _at(_PARSED[digest], path)
    cache = FileCache.open(path.parent, "bibliography", library_digest())
    hit, bib = cache.get(path.name, digest)
    if not (hit and bib.path == path):
        bib = parse_bibliography(path)
        for formatter in ("_style", "_text_backend"):  # rebuilt on use, not stored
            bib.__dict__.pop(formatter, None)
        cache.put(path.name, digest, bib)
        cache.save()
    if digest is not None:
        _PARSED[digest] = bib
    return _at(bib, path)


def _at(bib: Bibliography, path: Path) -> Bibliography:
    """`bib` as read from `path`: its own problem list, so a caller adding to it changes no other copy."""
    found = copy.copy(bib)
    found.path, found.problems = path, list(bib.problems)
    return found


def parse_bibliography(path: Path) -> Bibliography:
    bib = Bibliography(path)
    if not path.exists() and not path.is_symlink():
        bib.problems.append(BibProblem(1, "", "references.bib is missing", "create it: every case study cites it"))
        return bib
    raw, problem = read_file(path, MAX_BIB_BYTES, "the real references.bib is about a tenth of that: check nothing was pasted into it by mistake")
    text, problem = decode_utf8(raw) if problem is None else ("", problem)
    if problem is not None:
        bib.problems.append(BibProblem(problem.line, "", problem.message, problem.fix))
        return bib
    line_of = _line_finder(text)
    for match in _STRING_MACRO.finditer(text):
        bib.problems.append(
            BibProblem(
                line_of(match.start()),
                "",
                "defines an @string macro, which references.bib does not use",
                "delete the @string definition and write its text out in full in each field that used it",
            )
        )
    text = _STRING_MACRO.sub(lambda match: " " + match.group()[1:], text)
    first_spelling: dict[str, str] = {}  # lowercased key -> the key as first written (keys ignore case)
    for match in _ENTRY_START.finditer(text):
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        key = match.group(2)
        line = line_of(match.start(2))
        if not _KEY.match(key):
            bib.problems.append(
                BibProblem(line, key, f"the key {key!r} is not a valid key", "use letters, digits and _ : . - only, starting with a letter or digit (e.g. smith2020carehomes)")
            )
        seen = first_spelling.setdefault(key.lower(), key)
        if seen != key or key in bib.keys:
            bib.problems.append(
                BibProblem(
                    line,
                    key,
                    f"the key {key!r} is defined twice (first on line {bib.keys[seen]})",
                    "one work has one entry: merge the two and keep one key",
                )
            )
            continue
        bib.keys[key] = line
    entry_at = _entry_finder(bib.keys)
    # pybtex reports syntax errors through pybtex.errors; capture them all instead of stopping at the first.
    with pybtex.errors.capture() as errors:
        try:
            bib.data = parse_string(text, "bibtex")
        except Exception as err:  # what the parser cannot recover from
            bib.problems.append(BibProblem(1, "", f"cannot be parsed: {err}", "check the entry's braces and commas"))
    for error in errors:
        duplicate = _DUPLICATE_FIELD.match(str(error))
        if duplicate:  # pybtex keeps the first and drops the other: say so, and where
            key, name = duplicate.groups()
            bib.problems.append(
                BibProblem(bib.keys.get(key, 1), key, f"the {name} field is given twice (names differing only in case are one field)", "keep one: delete the other")
            )
            continue
        line = getattr(error, "lineno", None) or 1
        if isinstance(error, UndefinedMacro):  # a bare word, or a use of a refused @string macro
            bib.problems.append(
                BibProblem(line, entry_at(line), f"the bare word {error.args[0]!r} is read as an @string macro, which is not defined", "write the field's text in braces, e.g. title = {Care homes}")
            )
            continue
        bib.problems.append(BibProblem(line, "", f"has a syntax error: {error}", "check the braces, commas and quotes of the entry on this line"))
    bib.problems += hidden_character_problems(text, entry_at)
    if bib.data is not None:
        # pybtex may skip an entry it cannot read: report it.
        parsed = {k.lower() for k in bib.data.entries}
        defined = {k.lower() for k in bib.keys}
        for key, line in bib.keys.items():
            if key.lower() not in parsed:
                bib.problems.append(BibProblem(line, key, "the entry could not be read", "check its braces, commas and quotes"))
        for key, entry in bib.data.entries.items():
            bib.problems += link_problems(key, entry, bib.keys.get(key, 1))
            crossref = entry.fields.get("crossref")
            if crossref is not None and crossref.lower() not in defined:
                bib.problems.append(
                    BibProblem(bib.keys.get(key, 1), key, f"the crossref field names {crossref!r}, which is not a key in references.bib", "use the key of the work this one is part of, or remove crossref and write its fields out in full")
                )
            try:
                bib._citations[key] = bib._format(key, entry)
            except Exception as err:  # pybtex raises bare exceptions for missing fields and unknown types
                bib.problems.append(
                    BibProblem(bib.keys.get(key, 1), key, f"the entry cannot be formatted ({type(err).__name__}: {err})", f"check its type (@{entry.type}) and required fields")
                )
    return bib


def _line_finder(text: str):
    """position -> line number, by bisection (counting newlines afresh for each of many entries is quadratic)."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    return lambda position: bisect.bisect_left(newlines, position) + 1


def _entry_finder(keys: dict[str, int]):
    """line number -> key of the entry that line is in ("" before the first)."""
    starts = sorted((line, key) for key, line in keys.items())
    lines = [line for line, _ in starts]

    def entry_at(number: int) -> str:
        found = bisect.bisect_right(lines, number)
        return starts[found - 1][1] if found else ""

    return entry_at


def hidden_character_problems(text: str, entry_at) -> list[BibProblem]:
    """The first control or invisible formatting character of each line, in any field, key or comment,
    blamed on the entry the line belongs to. Checked in the raw text: pybtex folds some into spaces."""
    problems = []
    for number, line in enumerate(text.split("\n"), 1):
        position, ch = next(((i, ch) for i, ch in enumerate(line.removesuffix("\r"), 1) if is_hidden_character(ch)), (0, ""))
        if ch:
            problems.append(
                BibProblem(
                    number,
                    entry_at(number),
                    f"contains {describe_character(ch)} at character {position} of the line",
                    "delete it (control and invisible formatting characters are not allowed: they hide or reorder text, and often come from copy and paste)",
                )
            )
    return problems


# Fields the bibliography page turns into links. Only http(s) addresses; identifiers are appended to an
# https address by the style, so they only need to be free of characters that break out of it.
_WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_IDENTIFIER = re.compile(r"^[^\s<>\"'`\\{}]+$")
_LINK_FIELDS = {"url": _WEB_ADDRESS, "doi": _IDENTIFIER, "eprint": _IDENTIFIER, "pubmed": _IDENTIFIER}


# A LaTeX link command in any field (a title, a note, an author's name) would become a link that nothing
# checks: the real references use none, so they are refused outright; addresses go in `url`.
_LATEX_LINK = re.compile(r"\\(url|href)(?![A-Za-z])", re.IGNORECASE)


def link_problems(key: str, entry, line: int) -> list[BibProblem]:
    problems = []
    texts = [(name, str(value)) for name, value in entry.fields.items() if name.lower() not in _LINK_FIELDS]
    texts += [(role, str(person)) for role, persons in entry.persons.items() for person in persons]
    for name, value in texts:
        found = _LATEX_LINK.search(value)
        if found:
            problems.append(
                BibProblem(line, key, f"the {name} field uses \\{found.group(1)}, which makes a link", "remove the command: put a web address in the entry's url field (https:// only), and write other fields as plain text")
            )
    for name, pattern in _LINK_FIELDS.items():
        value = next((v for k, v in entry.fields.items() if k.lower() == name), None)
        if value is not None and not pattern.match(str(value).strip()):
            what = "is not an http(s) address" if name == "url" else "has characters an identifier cannot hold"
            fix = "use an address starting with https:// or http://" if name == "url" else f"write the bare {name} alone, without spaces, quotes or brackets (a doi looks like 10.1136/bmj.l1234)"
            problems.append(BibProblem(line, key, f"the {name} field {str(value)!r} {what}", fix))
    return problems
