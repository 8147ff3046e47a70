"""Turning record text into safe page text, and numbers into readable figures.

Record text comes from contributors we do not know. Plain fields (titles, names, metrics, notes) are
written into generated MyST with every ASCII punctuation character backslash-escaped, so no markup,
role, directive or HTML in them is ever interpreted. Summaries are Markdown: they are rendered by
markdown-it with HTML, images and headings switched off and only http(s) links allowed.

The same goes for every data file (vocabularies, frameworks, glossary, CSV files, references.bib):
- MyST: text through `md_escape`; an id inside MyST syntax (a class, label, role or link target) through `md_token`.
- HTML: from a Jinja2 template in publish/templates/ (publish/html.py), which escapes every value that is
  not Markup itself.
- Links: only addresses `link_allowed` accepts become links (sphinx/extension.py, unlink_unsafe_addresses).
- CSV: every published cell through `csv_text`, so no cell runs as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
import string
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ..records.characters import describe_character, is_hidden_character

__all__ = ["Markup", "escape", "describe_character", "is_hidden_character"]  # Markup: what a template must not escape again

_PUNCTUATION = set(string.punctuation)
_PUNCTUATION_RE = re.compile("[" + re.escape(string.punctuation) + "]")
_WHITESPACE = re.compile(r"\s+")
# Invisible characters that can hide text or reorder it (bidi controls, zero-width characters).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def shown_text(text: str) -> str:
    """What a page shows of plain record text: invisible characters dropped, whitespace folded."""
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", str(text))).strip()


def md_escape(text: str) -> str:
    """Plain text as inline MyST that renders exactly as written (as `shown_text`)."""
    return _PUNCTUATION_RE.sub(r"\\\g<0>", shown_text(text))


def md_token(text: str) -> str:
    """An id used inside MyST syntax (a class in `{.x}`, a `(label)=`, a link target, a role's text):
    ids are slugs, and anything else in one is turned into hyphens so it cannot end the syntax around it."""
    return re.sub(r"[^A-Za-z0-9_.:-]", "-", str(text))


def safe_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s<>\"'`]+$", url or ""))


def link_allowed(url: str) -> bool:
    """May this address be a link on a page: http(s), mailto, or relative to the book. Anything else
    (javascript:, data:, vbscript: ...) is shown as text. urlsplit drops the tabs and newlines a browser drops."""
    return urlsplit(str(url)).scheme.lower() in ("", "http", "https", "mailto")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "heading", "lheading", "html_block", "html_inline", "hr"])
    md.validateLink = safe_url  # only http(s): no javascript:, data:, relative or file links
    return md


_MD = _markdown()


def summary_html(markdown_text: str) -> Markup:
    """A record's Markdown summary as inert HTML (links open as ordinary external links)."""
    rendered = _MD.render(_INVISIBLE.sub("", markdown_text))
    return Markup(rendered.replace("<a href=", '<a rel="nofollow noopener" class="external" href='))


def plain_summary(markdown_text: str, limit: int = 240) -> str:
    """The summary as one line of plain text (for meta descriptions, search and the catalogue)."""
    tokens = _MD.parseInline(markdown_text)
    # A line break inside a paragraph is a space in plain text ("redesign of\nthe" is not "ofthe").
    text = "".join(
        child.content if child.type == "text" else " "
        for token in tokens
        for child in (token.children or [])
        if child.type in ("text", "softbreak", "hardbreak")
    )
    text = _WHITESPACE.sub(" ", text or markdown_text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def raw_html_block(content: str) -> str:
    """A MyST raw-HTML directive whose fence cannot be closed by the content."""
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{raw}} html\n{content.rstrip()}\n{fence}"


# Cells a spreadsheet would run as a formula. A negative number ("-3.5") is a number, not a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


BOM = "\ufeff"


def csv_text(value):
    """A cell safe to open in a spreadsheet: text starting like a formula gets a leading apostrophe.
    Every CSV file the site publishes passes its cells through here. A spreadsheet skips a byte order
    mark, so one in front of the formula does not hide it."""
    if isinstance(value, str):
        bare = value.lstrip(BOM)
        if bare.startswith(FORMULA_START) and not _NEGATIVE_NUMBER.fullmatch(bare):
            return "'" + value
    return value


def neutralised_csv(text: str) -> str:
    """CSV text with every cell passed through `csv_text`; the same text, byte for byte, when no cell needs it.
    A byte order mark starting the file stays first (it tells a spreadsheet the file is UTF-8)."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom):]
    rows = list(csv.reader(io.StringIO(body, newline="")))
    safe = [[csv_text(cell) for cell in row] for row in rows]
    if safe == rows:
        return text
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if "\r\n" in body else "\n").writerows(safe)
    return bom + out.getvalue()


# --- figures --------------------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "US$", "NZD": "NZ$"}
_SCALE_WORDS = {"thousand": "thousand", "million": "million", "billion": "billion"}


def format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"


def format_figure(value, value_max=None, unit=None, scale=None, qualifier=None) -> str:
    """'about £2.5–3 million per year', '15%', 'more than 1,200 people'. Empty when there is no value."""
    if value is None:
        return ""
    number = format_number(value) + (f"–{format_number(value_max)}" if value_max is not None else "")
    base, _, per = (unit or "").partition(" per ")
    per_text = f" per {_money_in(per)}" if per else ""
    scale_text = f" {_SCALE_WORDS[scale]}" if scale else ""
    if base == "percent":
        core = f"{number}%{scale_text}"
    elif base in CURRENCY_SYMBOLS:
        core = f"{CURRENCY_SYMBOLS[base]}{number}{scale_text}"
    elif base in ("SEK", "DKK"):
        core = f"{number}{scale_text} {base}"
    elif base in ("count", ""):
        core = f"{number}{scale_text}"
    else:
        core = f"{number}{scale_text} {base}"
    return f"{qualifier + ' ' if qualifier else ''}{core}{per_text}"


def _money_in(text: str) -> str:
    """'GBP 1 invested' -> '£1 invested'."""
    for code, symbol in CURRENCY_SYMBOLS.items():
        text = re.sub(rf"\b{code}\s?(?=\d)", symbol, text)
    return text
