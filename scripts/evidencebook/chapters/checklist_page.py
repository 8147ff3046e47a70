"""The checklist chapter's generated part: themes and areas as MyST headings, each area's items as the
self-assessment form (HTML from templates, read by static/js/checklist.js).

Each theme and area keeps its anchor (`theme-<id>`, `area-<id>`) as an explicit label; the sentence
naming an area's framework items is MyST, so its links to the frameworks chapter are checked.
"""

from __future__ import annotations

from ..publish.html import render
from ..publish.text import md_escape, md_token, raw_html_block
from ..records.kb import KnowledgeBase
from ..records.schema import ChecklistArea, ChecklistTheme
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


def area_lines(
    kb: KnowledgeBase, theme: ChecklistTheme, area: ChecklistArea, rows: list[Illustration], evidence: dict, cap: int | None, level: int
) -> list[str]:
    """One area: its heading, its evidence (case studies, the items linking them, the factors of those items
    and the lessons on them), then its items. `evidence` holds the framework item names and the lessons."""
    names = evidence["names"]
    factors = evidence["factors"][area.id]
    labels = kb.vocab("factors")
    lessons = evidence["lessons"][area.id]
    lesson_cap = evidence["lesson_cap"]
    links = ", ".join(f"[{md_escape(names[i])}](#{item_anchor(i)})" for i in area.framework_items)
    noun = "item" if len(area.framework_items) == 1 else "items"
    more = more_text(len(rows) - cap) if cap is not None and len(rows) > cap else ""
    items = [{"id": item.id, "text": item.text, "locator": item.locator} for item in area.items]
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
                factors=[{"href": f"what-helps.html#{factor_anchor(f)}", "label": labels.label(f)} for f in factors],
                lessons=lessons[:lesson_cap],
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
    factors = {area.id: area_factors(kb, area.framework_items) for area in areas}
    lessons = {area.id: area_lessons(kb, factors[area.id], every_lesson) for area in areas}
    evidence = {
        "names": {item.id: item.name for _, item in framework_items(kb)},
        "factors": factors,
        "lessons": lessons,
        "lesson_cap": names_per_cell([len(found) for found in lessons.values()]),
    }
    total = sum(len(a.items) for t in current.themes for a in t.areas)
    lines = [raw_html_block(render("checklist_tools.html", checklist_id=current.id, total=total)), ""]
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
