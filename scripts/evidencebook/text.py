"""Turning record text into safe page text, and numbers into readable figures.

Record text comes from contributors we do not know. Plain fields (titles, names, metrics, notes) are
written into generated MyST with every ASCII punctuation character backslash-escaped, so no markup,
role, directive or HTML in them is ever interpreted. Summaries are Markdown: they are rendered by
markdown-it with HTML, images and headings switched off and only http(s) links allowed.
"""

from __future__ import annotations

import html
import re
import string

from markdown_it import MarkdownIt

_PUNCTUATION = set(string.punctuation)
_WHITESPACE = re.compile(r"\s+")
# Invisible characters that can hide text or reorder it (bidi controls, zero-width characters).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def md_escape(text: str) -> str:
    """Plain text as inline MyST that renders exactly as written."""
    text = _WHITESPACE.sub(" ", _INVISIBLE.sub("", str(text))).strip()
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


def safe_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s<>\"'`]+$", url or ""))


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "heading", "lheading", "html_block", "html_inline", "hr"])
    md.validateLink = safe_url  # only http(s): no javascript:, data:, relative or file links
    return md


_MD = _markdown()


def summary_html(markdown_text: str) -> str:
    """A record's Markdown summary as inert HTML (links open as ordinary external links)."""
    rendered = _MD.render(_INVISIBLE.sub("", markdown_text))
    return rendered.replace("<a href=", '<a rel="nofollow noopener" class="external" href=')


def plain_summary(markdown_text: str, limit: int = 240) -> str:
    """The summary as one line of plain text (for meta descriptions, search and the catalogue)."""
    tokens = _MD.parseInline(markdown_text)
    text = "".join(child.content for token in tokens for child in (token.children or []) if child.type == "text")
    text = _WHITESPACE.sub(" ", text or markdown_text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def raw_html_block(content: str) -> str:
    """A MyST raw-HTML directive whose fence cannot be closed by the content."""
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{raw}} html\n{content.rstrip()}\n{fence}"


def attr(text: str) -> str:
    return html.escape(str(text), quote=True)


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
