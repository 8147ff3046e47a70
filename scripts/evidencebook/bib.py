"""references.bib: the keys it defines (with lines, so duplicates can be reported) and plain-text citations."""

from __future__ import annotations

import functools
import io
import re
from contextlib import redirect_stderr
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

    def citation_text(self, key: str) -> str:
        """The work formatted as one line of plain text (for exports and tooltips)."""
        if self.data is None or key not in self.data.entries:
            return key
        entry = self.data.entries[key]
        try:
            return self._style.format_entry(key, entry).text.render_as("text")
        except Exception:  # a malformed entry still gets a readable line: its title
            return entry.fields.get("title", key)


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
    previous = pybtex.errors.strict
    pybtex.errors.set_strict_mode(False)
    try:
        with redirect_stderr(io.StringIO()):
            bib.data = parse_string(text, "bibtex")
    except Exception as err:  # pybtex raises several types for syntax errors
        bib.problems.append(BibProblem(1, "", f"cannot be parsed: {err}", "check the entry's braces and commas"))
    finally:
        pybtex.errors.set_strict_mode(previous)
    if bib.data is not None:
        for key, entry in bib.data.entries.items():
            try:
                bib._style.format_entry(key, entry).text.render_as("text")
            except Exception as err:  # pybtex raises bare exceptions for missing fields and unknown types
                bib.problems.append(
                    BibProblem(bib.keys.get(key, 1), key, f"the entry cannot be formatted ({type(err).__name__}: {err})", f"check its type (@{entry.type}) and required fields")
                )
    return bib
