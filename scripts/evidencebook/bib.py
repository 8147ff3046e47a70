"""references.bib: the keys it defines (with lines, so duplicates can be reported) and plain-text citations."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pybtex.errors
from pybtex.database import BibliographyData, parse_string
from pybtex.plugin import find_plugin


def cache_pybtex_plugins() -> None:
    """pybtex looks a plugin up (scanning every installed package's entry points) each time it formats
    or renders an entry: 20 ms a call, seconds per build. The answer never changes within a process."""
    import pybtex.plugin

    if not hasattr(pybtex.plugin._load_entry_point, "cache_info"):
        pybtex.plugin._load_entry_point = functools.lru_cache(maxsize=None)(pybtex.plugin._load_entry_point)


cache_pybtex_plugins()

_ENTRY_START = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
_NOT_ENTRIES = {"comment", "preamble", "string"}


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
            text = self._style.format_entry(key, entry).text.render_as("text")
        except Exception:  # a malformed entry still gets a readable line: its title
            text = entry.fields.get("title", key)
        self._citations[key] = text
        return text


def load_bibliography(path: Path) -> Bibliography:
    bib = Bibliography(path)
    if not path.exists():
        bib.problems.append(BibProblem(1, "", "references.bib is missing", "create it: every case study cites it"))
        return bib
    text = path.read_text(encoding="utf-8")
    for match in _ENTRY_START.finditer(text):
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        key = match.group(2)
        line = text.count("\n", 0, match.start(2)) + 1
        seen = next((k for k in bib.keys if k.lower() == key.lower()), None)
        if seen is not None:
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
    # pybtex reports syntax errors through pybtex.errors; capture them all instead of stopping at the first.
    with pybtex.errors.capture() as errors:
        try:
            bib.data = parse_string(text, "bibtex")
        except Exception as err:  # what the parser cannot recover from
            bib.problems.append(BibProblem(1, "", f"cannot be parsed: {err}", "check the entry's braces and commas"))
    for error in errors:
        line = getattr(error, "lineno", None) or 1
        bib.problems.append(BibProblem(line, "", f"has a syntax error: {error}", "check the braces, commas and quotes of the entry on this line"))
    if bib.data is not None:
        # pybtex may skip an entry it cannot read: report it.
        parsed = {k.lower() for k in bib.data.entries}
        for key, line in bib.keys.items():
            if key.lower() not in parsed:
                bib.problems.append(BibProblem(line, key, "the entry could not be read", "check its braces, commas and quotes"))
        for key, entry in bib.data.entries.items():
            bib.problems += link_problems(key, entry, bib.keys.get(key, 1))
            try:
                bib._citations[key] = bib._style.format_entry(key, entry).text.render_as("text")
            except Exception as err:  # pybtex raises bare exceptions for missing fields and unknown types
                bib.problems.append(
                    BibProblem(bib.keys.get(key, 1), key, f"the entry cannot be formatted ({type(err).__name__}: {err})", f"check its type (@{entry.type}) and required fields")
                )
    return bib


# Fields the bibliography page turns into links. Only http(s) addresses; identifiers are appended to an
# https address by the style, so they only need to be free of characters that break out of it.
_WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_IDENTIFIER = re.compile(r"^[^\s<>\"'`\\{}]+$")
_LINK_FIELDS = {"url": _WEB_ADDRESS, "doi": _IDENTIFIER, "eprint": _IDENTIFIER, "pubmed": _IDENTIFIER}


def link_problems(key: str, entry, line: int) -> list[BibProblem]:
    problems = []
    for name, pattern in _LINK_FIELDS.items():
        value = next((v for k, v in entry.fields.items() if k.lower() == name), None)
        if value is not None and not pattern.match(str(value).strip()):
            what = "is not an http(s) address" if name == "url" else "has characters an identifier cannot hold"
            fix = "use an address starting with https:// or http://" if name == "url" else f"write the bare {name} alone, without spaces, quotes or brackets (a doi looks like 10.1136/bmj.l1234)"
            problems.append(BibProblem(line, key, f"the {name} field {str(value)!r} {what}", fix))
    return problems

