"""A problem found in a file (`file:line: field: what is wrong — how to fix it`), and the messages
several checks share: a value that is not an id, not a vocabulary term, not a citation key."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .characters import describe_character, is_hidden_character
from .schema import unit_base

if TYPE_CHECKING:
    from .bib import Bibliography
    from .vocab import Vocabulary


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    fix: str
    # The validation rule that found it (records/rules), for the rule tests; not part of what is shown or compared.
    rule: str = field(default="", compare=False)

    def __str__(self) -> str:
        # Invisible characters (in a file name, say) are shown as codes: a bidi override would reorder the line.
        return _show_hidden(f"{self.file}:{self.line}: {self.field}: {self.message} — {self.fix}")


def _show_hidden(text: str) -> str:
    return "".join(f"<U+{ord(ch):04X}>" if is_hidden_character(ch) or ch in "\n\t\u200c\u200d" else ch for ch in text)


def field_name(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def id_problem(value: str, what: str = "a valid id") -> tuple[str, str]:
    """(message, fix) for a string that is not an id, naming the first character that does not belong."""
    fix = "use lowercase letters, digits and single hyphens, e.g. wigan-deal (plain ASCII: a–z, 0–9, -)"
    odd = next((ch for ch in value if not ch.isascii() or not ch.isprintable()), None)
    if odd is None:
        return f"{value!r} is not {what}", fix
    hint = ", which only looks like a Latin letter" if _looks_latin(odd) else ""
    return f"{value!r} is not {what}: it contains {describe_character(odd)}{hint}", fix


def _looks_latin(ch: str) -> bool:
    """Cyrillic and Greek letters that are drawn like Latin ones (the usual confusables in ids)."""
    return unicodedata.name(ch, "").split(" ")[0] in ("CYRILLIC", "GREEK", "FULLWIDTH", "MATHEMATICAL")


def unknown_id_fix(value: str, known, where: str) -> str:
    """The fix for a reference to an id that does not exist: the nearest known id, then where ids come from."""
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return (f"did you mean {close[0]!r}? " if close else "") + where


def vocabulary_problem(vocab: Vocabulary, value: str, is_unit: bool = False) -> tuple[str, str] | None:
    """(message, fix) when `value` is not a term of `vocab`, suggesting the nearest term."""
    checked = unit_base(value) if is_unit else value
    if checked in vocab:
        return None
    where = f"data/vocabularies/{vocab.name}.yml" if vocab.path else "data/frameworks/"
    if not vocab.terms:
        return f"{value!r} is not in the {vocab.name} vocabulary, which is empty", f"remove it, or add terms to {where}"
    nearest = vocab.nearest(checked)
    if is_unit:
        term = vocab.by_id.get(nearest) if nearest else None
        if term is not None and term.currency:
            return f"{checked!r} is not a known unit", f"money needs its currency code: write {value.replace(checked, nearest, 1)!r}"
        if nearest:
            return f"{checked!r} is not a known unit", f"did you mean {value.replace(checked, nearest, 1)!r}? Units are listed in {where}"
        return f"{checked!r} is not a known unit", f"use a unit from {where}, optionally followed by 'per ...'"
    if nearest:
        hint = f"did you mean {nearest!r}?"
    else:
        ids = vocab.ids()
        hint = f"known values: {', '.join(ids[:12])}{' ...' if len(ids) > 12 else ''}"
    return f"{value!r} is not in the {vocab.name} vocabulary", f"{hint} (terms are defined in {where}; add one there if none fits)"


def citation_problem(bib: Bibliography, key: str) -> tuple[str, str] | None:
    """(message, fix) when `key` is not defined in references.bib (an unreadable file is reported once, on its own)."""
    if key in bib or bib.data is None:
        return None
    close = difflib.get_close_matches(key, list(bib.keys), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"cites {key!r}, which is not in references.bib", hint + "add the work to references.bib or fix the key"
