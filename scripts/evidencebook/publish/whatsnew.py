"""What's new: the changes between editions (records/history.py) as the chapter's generated part, the
published `data/changes.json`, the Atom feed `feed.xml` and the line of a case page that says in which
edition it last changed.

Everything shown comes from records, so everything is escaped where it is written: the chapter's HTML
by the Jinja template `whats_new.html` (autoescaping), its headings by `md_escape`, the feed by
ElementTree (which escapes text and attributes) and the JSON by `json.dumps`. Figures are formatted by
`format_figure`, as on the case pages; no number is typed in here.

The feed (RFC 4287) has the book's address as its base: its id is the feed's own address, each entry's
id the address of the chapter with the edition and the record's id as the fragment, so an entry keeps
its id when its edition is rebuilt; an unreleased change's id names the edition it follows, and the
entry is updated (same id, new date) when the record changes again before the next edition.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

from ..records.book import Book
from ..records.datasets import CHANGES_FILE  # in the site's data/ folder
from ..records.history import UNRELEASED, Edition, History
from .html import plural, render
from .text import format_figure, md_escape, md_token, raw_html_block

CHAPTER_DOC = "chapters/whats-new"
PART_NAME = "whats-new"  # chapters/_generated/whats-new.md, included by chapters/whats-new.md
FEED_FILE = "feed.xml"  # at the site's root; every page's head links it (sphinx/templates/layout.html)
FEED_ENTRIES = 100  # the latest changes the feed carries
ATOM = "http://www.w3.org/2005/Atom"
UNKNOWN_DATE = "1970-01-01T00:00:00Z"  # Atom requires a date; a build without git history has none
KIND_HEADINGS = {
    "added": "Added",
    "changed": "Changed",
    "removed": "Removed",
    "invalid": "Not valid in this edition",
}
FIGURE_PARTS = ("value", "value_max", "qualifier", "scale", "unit")  # shown together, as one figure


# --- names of editions -----------------------------------------------------------------------------


def edition_heading(edition: Edition) -> str:
    if edition.released:
        return f"Edition {edition.edition}"
    if not edition.previous:
        return f"Edition {edition.edition}, the first (not yet released)"
    return f"Since edition {edition.previous} (not yet released)"


def edition_label(edition: Edition) -> str:
    """The page label of an edition's section: whats-new-2026-12-0, whats-new-unreleased."""
    name = edition.edition if edition.released or not edition.previous else UNRELEASED
    return md_token("whats-new-" + name.replace(".", "-"))


def change_anchor(change: dict[str, Any]) -> str:
    """The id of one change on the chapter and the fragment of its feed entry: the edition (or
    "since-<edition>" before the next release) and the record, change-2026.12.0-wigan-deal."""
    where = change["edition"] if change["edition"] != UNRELEASED else f"since-{change['previous']}"
    return "change-" + re.sub(r"[^0-9A-Za-z._-]", "-", f"{where}-{change['id']}")


def last_changed_text(edition: Edition | None) -> str:
    """The case page's "Last changed" field as MyST (a link to the edition's section of the chapter), or
    "" when the history could not be read."""
    if edition is None:
        return ""
    if edition.released:
        text = f"in edition {edition.edition}"
    elif not edition.previous:
        text = f"in the first edition, {edition.edition} (not yet released)"
    else:
        text = f"after edition {edition.previous}, not yet in a released edition"
    # A role's text is not Markdown: keep only characters that cannot end or change the role.
    text = re.sub(r"[^0-9A-Za-z .,()-]", "", text)
    return f"{{ref}}`{text} <{edition_label(edition)}>`"


# --- data/changes.json ------------------------------------------------------------------------------


def changes_json(history: History) -> str:
    """The published file: deterministic (sorted keys, the changes in edition order, then kind and id)."""
    return json.dumps(history.as_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


# --- what the chapter shows -------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, dict):  # a source: its key and locator
        return ", ".join(str(v) for v in value.values() if v is not None)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _figure(figure: dict | None) -> str:
    return format_figure(**figure) if figure else ""


def outcome_lines(outcome: dict[str, Any]) -> dict[str, Any]:
    """One outcome's change as plain text: what, and each changed part old -> new."""
    change, old, new = outcome["change"], outcome["old"], outcome["new"]
    parts = []
    if change == "changed":
        if any(name in outcome["fields"] for name in FIGURE_PARTS):
            parts.append(("figure", _figure(old["figure"]) or "no figure", _figure(new["figure"]) or "no figure"))
        for name in outcome["fields"]:
            if name in FIGURE_PARTS:
                continue
            if name == "note":
                parts.append(("note", "changed", ""))
            else:
                parts.append((name, _text(old.get(name)), _text(new.get(name))))
    else:
        shown = new if change == "added" else old
        figure = _figure(shown["figure"]) or "no figure"
        for_period = f" ({shown['period']})" if shown.get("period") else ""
        parts.append(("figure", figure + for_period, ""))
    return {"change": change, "metric": str(outcome["metric"] or ""), "parts": [{"name": n, "old": o, "new": w} for n, o, w in parts]}


def change_item(change: dict[str, Any], current: set[str], root: str) -> dict[str, Any]:
    """What the template needs about one change (plain values; the template escapes them)."""
    details = [{"name": d["field"], "old": _text(d["old"]), "new": _text(d["new"])} for d in change["details"]]
    return {
        "id": change["id"],
        "title": change["title"] or change["id"],
        "href": f"{root}cases/{quote(change['id'], safe='')}.html" if change["id"] in current else "",
        "fields": ", ".join(change["fields"]),
        "details": details,
        "outcomes": [outcome_lines(o) for o in change["outcomes"]],
        "problem": change["problem"],
        "anchor": change_anchor(change),
    }


def section_html(edition: Edition, changes: list[dict[str, Any]], current: set[str], root: str = "../") -> str:
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        items = [change_item(c, current, root) for c in changes if c["kind"] == kind]
        if items:
            groups.append({"kind": kind, "heading": heading, "items": items})
    counts = [plural(len(g["items"]), "case study", "case studies") + " " + g["heading"].lower() for g in groups if g["kind"] != "invalid"]
    return render(
        "whats_new.html",
        edition=edition.edition,
        released=edition.released,
        previous=edition.previous,
        date=edition.date[:10],
        counts=counts,
        groups=groups,
    )


def chapter_part(history: History, current: set[str]) -> str:
    """The chapter's generated MyST: a note, then one section per edition, newest first."""
    lines = [raw_html_block(render("whats_new_downloads.html", changes=f"../data/{CHANGES_FILE}", feed=f"../{FEED_FILE}")), ""]
    if history.note:
        lines += [md_escape(history.note), ""]
    if not history.available:
        lines += [
            f"This page, `data/{CHANGES_FILE}` and the feed list no changes in this copy. The published book, built "
            "from the repository with its history, lists them.",
            "",
        ]
        return "\n".join(lines)
    for edition in reversed(history.editions):
        changes = [c for c in history.changes if c["edition"] == edition.edition and c["released"] == edition.released]
        lines += [f"({edition_label(edition)})=", f"## {md_escape(edition_heading(edition))}", ""]
        lines += [raw_html_block(section_html(edition, changes, current)), ""]
    return "\n".join(lines)


# --- the Atom feed ----------------------------------------------------------------------------------


def entry_title(change: dict[str, Any]) -> str:
    title = change["title"] or change["id"]
    if change["released"]:
        when = f"in edition {change['edition']}"
    elif change["edition"] != UNRELEASED:
        when = f"in edition {change['edition']} (not yet released)"
    else:
        when = f"since edition {change['previous']}"
    verb = {"added": "added", "changed": "changed", "removed": "removed", "invalid": "not valid"}[change["kind"]]
    return f"{title}: {verb} {when}"


def entry_summary(change: dict[str, Any]) -> str:
    if change["kind"] == "invalid":
        return f"The record did not validate: {change['problem']}"
    if change["kind"] != "changed":
        return entry_title(change) + "."
    parts = [f"Fields changed: {', '.join(change['fields'])}."]
    parts += [f"{d['field']}: {_text(d['old'])} → {_text(d['new'])}." for d in change["details"]]
    for outcome in change["outcomes"]:
        shown = outcome_lines(outcome)
        what = "; ".join(p["name"] + (f" {p['old']} → {p['new']}" if p["new"] else f" {p['old']}") for p in shown["parts"])
        parts.append(f"Outcome {shown['change']}, {shown['metric']}: {what}.")
    return " ".join(parts)


def feed_xml(history: History, book: Book, current: set[str], limit: int = FEED_ENTRIES) -> bytes:
    """The Atom feed of the latest `limit` changes, newest first, with absolute addresses."""
    order = {(e.edition, e.released): i for i, e in enumerate(history.editions)}
    changes = sorted(history.changes, key=lambda c: c["id"])  # newest edition first, A to Z by id within one
    changes.sort(key=lambda c: (c["date"], order.get((c["edition"], c["released"]), 0)), reverse=True)
    changes = changes[:limit]
    ET.register_namespace("", ATOM)

    def sub(parent, name: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    chapter = book.page_url(CHAPTER_DOC)
    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"{book.site}{FEED_FILE}")
    sub(feed, "title", f"{book.title}: what's new")
    sub(feed, "subtitle", "Case studies added, changed and removed, edition by edition.")
    dates = [c["date"] for c in changes if c["date"]] + [e.date for e in history.editions if e.date]
    sub(feed, "updated", max(dates) if dates else UNKNOWN_DATE)
    author = sub(feed, "author")
    sub(author, "name", book.author or book.title)
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{book.site}{FEED_FILE}")
    sub(feed, "link", rel="alternate", type="text/html", href=chapter)
    for change in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{chapter}#{change_anchor(change)}")
        sub(entry, "title", entry_title(change))
        sub(entry, "updated", change["date"] or UNKNOWN_DATE)
        page = book.page_url(f"cases/{quote(change['id'], safe='')}") if change["id"] in current else f"{chapter}#{change_anchor(change)}"
        sub(entry, "link", rel="alternate", type="text/html", href=page)
        sub(entry, "summary", entry_summary(change), type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
