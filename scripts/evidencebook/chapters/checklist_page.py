"""The checklist chapter's generated part: themes and areas as MyST headings, each area's items as the
self-assessment form (HTML from templates, read by static/js/checklist.js).

Each theme and area keeps its anchor (`theme-<id>`, `area-<id>`) as an explicit label; the sentence
naming an area's framework items is MyST, so its links to the frameworks chapter are checked.

An area lists the lessons on its factors (through its framework items). An item with factors of its own
shows them and counts the lessons on them; its list is not written out again: every lesson on the page
carries a key (its place in the order all lists follow), the item names the keys of its lessons, and
checklist.js builds the item's list from the lessons already on the page, plus the few that no area
lists, which the tools block holds once in a <template>. An item without factors (the schema requires them, so
only a checklist built in code has one) points to its area's list.
A lesson is written in full once, in the first area that lists it; a later area gives its type and case
study and links to it, and checklist.js puts the full lesson there.
"""

from __future__ import annotations

import pandas as pd

from ..publish.html import render
from ..publish.text import md_escape, md_token, raw_html_block
from ..records.kb import KnowledgeBase
from ..records.reference_schema import ChecklistArea, ChecklistItem, ChecklistTheme
from .frameworks import NO_OUTCOME, STATUSES, Illustration, checklist, checklist_cases, framework_items
from .frameworks_page import CASES_URL, item_anchor, more_text
from .helps import area_factors, area_lessons, factor_anchor, lesson_frame
from .tables import names_per_cell


def _case_entries(rows: list[Illustration], cap: int | None) -> list[dict]:
    return [
        {
            "href": f"{CASES_URL}{row.case_id}.html",
            "title": row.case_title,
            "examples": list(row.examples),
            "outcome": row.key_outcome.labelled() if row.key_outcome else NO_OUTCOME,
        }
        for row in rows[:cap]
    ]


def _factor_links(kb: KnowledgeBase, factor_ids: list[str]) -> list[dict]:
    labels = kb.vocab("factors")
    return [{"href": f"what-helps.html#{factor_anchor(f)}", "label": labels.label(f)} for f in factor_ids]


def keyed_lessons(kb: KnowledgeBase, lessons: pd.DataFrame) -> list[dict]:
    """Every lesson that addresses an item (helps.ADDRESSING_TYPES), once, in the order every list on the page
    follows, each with `key` (its place in that order, from 1; the page writes it as data-lesson) and `factor_ids` (all of
    its factors)."""
    factors_of = lessons.groupby(["case_id", "lesson"], sort=False)["factor_id"].agg(tuple).to_dict()
    found = area_lessons(kb, kb.vocab("factors").ids(), lessons)
    return [
        {**entry, "key": n, "factor_ids": factors_of[(entry["case_id"], entry["lesson"])]}
        for n, entry in enumerate(found, 1)
    ]


def lessons_on(factor_ids: list[str], every: list[dict]) -> list[dict]:
    """The lessons of `every` (keyed_lessons) on any of `factor_ids`, in the page's order: the same list, in the
    same order, as helps.area_lessons gives for those factors."""
    wanted = set(factor_ids)
    return [entry for entry in every if not wanted.isdisjoint(entry["factor_ids"])]


def _item_entry(kb: KnowledgeBase, item: ChecklistItem, every: list[dict], cap: int | None) -> dict:
    factors = [f for f in kb.vocab("factors").ids() if f in item.factors]  # the vocabulary's order, each once
    found = lessons_on(factors, every)
    return {
        "id": item.id,
        "text": item.text,
        "locator": item.locator,
        "factor_ids": factors,
        "factors": _factor_links(kb, factors),
        "lessons_total": len(found),
        "lesson_keys": [entry["key"] for entry in found[:cap]],
        "lessons_more": len(found) - cap if cap is not None and len(found) > cap else 0,
    }


def area_lines(
    kb: KnowledgeBase, theme: ChecklistTheme, area: ChecklistArea, rows: list[Illustration], evidence: dict, cap: int | None, level: int
) -> list[str]:
    """One area: its heading, its evidence (case studies, the items linking them, the factors of those items
    and the lessons on them), then its items. `evidence` holds the framework item names and the lessons."""
    names = evidence["names"]
    factors = evidence["factors"][area.id]
    lessons = evidence["lessons"][area.id]
    lesson_cap = evidence["lesson_cap"]
    every = evidence["every"]
    links = ", ".join(f"[{md_escape(names[i])}](#{item_anchor(i)})" for i in area.framework_items)
    noun = "item" if len(area.framework_items) == 1 else "items"
    more = more_text(len(rows) - cap) if cap is not None and len(rows) > cap else ""
    items = [_item_entry(kb, item, every, lesson_cap) for item in area.items]
    return [
        f"({md_token('area-' + area.id)})=",
        f"{'#' * level} {md_escape(area.name)}",
        "",
        raw_html_block(render("checklist_area_start.html", theme_id=theme.id, theme_name=theme.name, area_id=area.id, area_name=area.name, cases=rows)),
        "",
        f"Linked through the framework {noun} {links}.",
        "",
        raw_html_block(
            render(
                "checklist_area_end.html",
                cases=_case_entries(rows, cap),
                more=more,
                area_id=area.id,
                area_name=area.name,
                cases_total=len(rows),
                items=items,
                statuses=STATUSES,
                factors=_factor_links(kb, factors),
                lessons=lessons[:lesson_cap],
                first_listed=evidence["first_listed"],
                lessons_total=len(lessons),
                lessons_more=f"And {len(lessons) - lesson_cap:,} more in the lessons export." if lesson_cap is not None and len(lessons) > lesson_cap else "",
            )
        ),
        "",
    ]


def checklist_part(kb: KnowledgeBase, heading_level: int = 3) -> str:
    """The generated part of chapters/checklist.md: the tools, then every theme and area with its items,
    each with its locator and a status control. Themes get headings of `heading_level`, areas the next."""
    current = checklist(kb)
    cases = checklist_cases(kb)
    cap = names_per_cell([len(rows) for rows in cases.values()])
    areas = [area for theme in current.themes for area in theme.areas]
    every_lesson = lesson_frame(kb)
    every = keyed_lessons(kb, every_lesson)
    factors = {area.id: area_factors(kb, area.framework_items) for area in areas}
    lessons = {area.id: lessons_on(factors[area.id], every) for area in areas}
    lesson_cap = names_per_cell([len(found) for found in lessons.values()])
    # Each lesson an area lists, by the area that writes it out in full: the first, in page order; later
    # areas link to it (checklist_lesson.html).
    first_listed: dict[int, ChecklistArea] = {}
    for area in areas:
        for entry in lessons[area.id][:lesson_cap]:
            first_listed.setdefault(entry["key"], area)
    evidence = {
        "names": {item.id: item.name for _, item in framework_items(kb)},
        "factors": factors,
        "lessons": lessons,
        "lesson_cap": lesson_cap,
        "every": every,
        "first_listed": first_listed,
    }
    # The lessons an item's list needs (at scale, its first lesson_cap) that no area lists: held once, for checklist.js.
    shown = set(first_listed)
    needed = {entry["key"] for area in areas for item in area.items for entry in lessons_on(item.factors, every)[:lesson_cap]}
    pool = [every[key - 1] for key in sorted(needed - shown)]
    total = sum(len(a.items) for t in current.themes for a in t.areas)
    lines = [
        raw_html_block(render("checklist_tools.html", checklist_id=current.id, total=total, pool=pool)),
        "",
    ]
    for theme in current.themes:
        lines += [
            f"({md_token('theme-' + theme.id)})=",
            f"{'#' * heading_level} {md_escape(theme.name)}",
            "",
            raw_html_block(render("checklist_summary.html", scope=theme.id)),
            "",
        ]
        for area in theme.areas:
            lines += area_lines(kb, theme, area, cases[area.id], evidence, cap, heading_level + 1)
    return "\n".join(lines).rstrip() + "\n"
