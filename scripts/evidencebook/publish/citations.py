"""A work named briefly, for tables that cite one work per row (the comparison view, case-page outcomes)."""

from __future__ import annotations

from ..records.kb import KnowledgeBase


def short_citation(kb: KnowledgeBase, key: str) -> str:
    """'Ham and Alderwick (2015), Place-based systems of care': enough to tell the documents apart."""
    entry = kb.bibliography.data.entries.get(key) if kb.bibliography.data else None
    if entry is None:
        return key
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(p.last_names or p.first_names).replace("{", "").replace("}", "") for p in people]
    who = names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} and others" if names else ""
    title = entry.fields.get("title", key).replace("{", "").replace("}", "").split(":")[0].strip()
    year = entry.fields.get("year", "n.d.")
    return f"{who} ({year}), {title}" if who else f"{title} ({year})"
