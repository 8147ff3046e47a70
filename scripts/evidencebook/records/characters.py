"""Characters refused in record and data text: what counts as hidden, and how a problem names one.

Here, in records/, because validation reports them; publish/text.py shows text with the same rule.
"""

from __future__ import annotations

import re
import unicodedata

# Characters refused in record text and ids: controls, separators that break lines in YAML and
# JavaScript, lone surrogates, and invisible formatting characters (bidi overrides, zero-width
# spaces, tag characters) that hide or reorder text. Zero-width (non-)joiners stay: scripts and emoji need them.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def is_hidden_character(ch: str) -> bool:
    if ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and ch not in _ALLOWED_FORMAT) or ch in "\ufffe\uffff"


# In ASCII text, the hidden characters are the controls other than tab and newline: a quick test for the
# text nearly every field holds, before looking at each character of the rest.
_ASCII_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def first_hidden_character(text: str, allowed: str = "") -> str | None:
    """The first hidden character of `text` (characters in `allowed` are not), or None."""
    if text.isascii():
        found = _ASCII_HIDDEN.search(text.translate({ord(c): None for c in allowed}) if allowed else text)
        return found.group() if found else None
    return next((ch for ch in text if ch not in allowed and is_hidden_character(ch)), None)


def describe_character(ch: str) -> str:
    """'і' -> "'і' (U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I)"; invisible ones are not quoted."""
    name = unicodedata.name(ch, "a control character" if unicodedata.category(ch) == "Cc" else "unnamed character")
    code = f"U+{ord(ch):04X} ({name})"
    if ch == " ":
        return "a space"
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Mn", "Me", "Zs"):
        return f"the invisible character {code}"
    return f"{ch!r} {code}"
