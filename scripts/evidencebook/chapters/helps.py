"""The chapter "What helps and what hinders": the case studies' lessons by factor, by type, by theme and by level.

Every lesson of a record is typed (data/vocabularies/lesson_types.yml) and about one or more factors
(factors.yml); framework items carry factors too. From those links alone this module derives:

- per factor, the case studies whose sources say it helped (enabler) or held the work back (barrier),
  and the other kinds of lesson (how it worked, for whom, what it took, what it cost);
- the factors that helped in one place and held the work back in another, side by side;
- per theme and per level, the factors their case studies' lessons are about;
- per factor, the framework items (the documents' cross-cutting lessons) about it.

Counts are of case studies (a case study with two lessons on a factor counts once); the lists show
every lesson, each with its case study and its source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from ..publish.frames import chapter_case_url, short_citation
from ..publish.html import plural, render
from ..publish.text import Markup, md_token
from ..records.kb import KnowledgeBase
from .frameworks import framework_items
from .frameworks_page import item_hrefs
from .tables import names_per_cell

HELPS, HINDERS = "enabler", "barrier"  # kept in the vocabulary by records/vocab.py (TERMS_THE_CHAPTERS_NAME)
# What each type of lesson tells a reader, as the page heads its list; a new type is headed by its label.
TYPE_HEADINGS = {
    HELPS: "What helped",
    HINDERS: "What held the work back",
    "mechanism": "How it worked",
    "condition": "For whom and where",
    "implementation": "What it took",
    "cost": "What it cost",
}
LESSONS_EXPORT = "../data/lessons.csv"  # every lesson, for lists cut short at scale (tables.LISTING_LIMIT)
LESSON_COLUMNS = [
    *("case_id", "case", "url", "lesson", "type_id", "type", "factor_id", "factor", "statement"),
    *("source_key", "source_locator", "source_short", "level_id", "level", "theme_ids", "themes"),
]


def factor_anchor(factor_id: str) -> str:
    """The id of a factor's section on the page (inside its <details>, so following a link opens it)."""
    return md_token(f"factor-{factor_id}")


def type_heading(kb: KnowledgeBase, type_id: str) -> str:
    return TYPE_HEADINGS.get(type_id, kb.vocab("lesson_types").label(type_id))


def lesson_rows(kb: KnowledgeBase) -> Iterator[dict]:
    """One dict per lesson and factor, in record order: the lesson numbered from 1 within its record."""
    v = kb.vocabularies
    for r in kb.records.values():
        for number, lesson in enumerate(r.lessons, 1):
            for factor in lesson.factors:
                yield {
                    "case_id": r.id,
                    "case": r.title,
                    "url": chapter_case_url(r.id),
                    "lesson": number,
                    "type_id": lesson.type,
                    "type": v["lesson_types"].label(lesson.type),
                    "factor_id": factor,
                    "factor": v["factors"].label(factor),
                    "statement": lesson.statement,
                    "source_key": lesson.source.key,
                    "source_locator": lesson.source.locator,
                    "source_short": short_citation(kb, lesson.source.key),
                    "level_id": r.level,
                    "level": v["levels"].label(r.level),
                    "theme_ids": list(r.themes),
                    "themes": [v["themes"].label(t) for t in r.themes],
                }


def lesson_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """The lessons as a frame with LESSON_COLUMNS, one row per lesson and factor (columns kept when empty)."""
    return pd.DataFrame(list(lesson_rows(kb)), columns=LESSON_COLUMNS)


def factor_counts(kb: KnowledgeBase, lessons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per factor, in the vocabulary's order: the case studies with a lesson of each type on it (one column
    per type id), its case studies and lessons in all, and the framework items about it."""
    lessons = lesson_frame(kb) if lessons is None else lessons
    types = kb.vocab("lesson_types").ids()
    items = items_by_factor(kb)
    rows = []
    for term in kb.vocab("factors").terms:
        on = lessons[lessons["factor_id"] == term.id]
        row = {"factor_id": term.id, "factor": term.label}
        row |= {t: on.loc[on["type_id"] == t, "case_id"].nunique() for t in types}
        row |= {
            "case studies": on["case_id"].nunique(),
            "lessons": len(on.drop_duplicates(["case_id", "lesson"])),
            "framework items": len(items[term.id]),
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=["factor_id", "factor", *types, "case studies", "lessons", "framework items"])


def items_by_factor(kb: KnowledgeBase) -> dict[str, list[tuple[str, str, str]]]:
    """Per factor id, the framework items about it as (item id, item name, framework title), in the frameworks' order."""
    found: dict[str, list[tuple[str, str, str]]] = {t.id: [] for t in kb.vocab("factors").terms}
    for framework, item in framework_items(kb):
        for factor in item.factors:
            found[factor].append((item.id, item.name, framework.title))
    return found


@dataclass(frozen=True)
class BothWays:
    """A factor that a case study's source says helped, and another's (or the same one's) that it held back."""

    factor_id: str
    factor: str
    helped: pd.DataFrame  # its enabler lessons (LESSON_COLUMNS)
    hindered: pd.DataFrame  # its barrier lessons


def both_ways(kb: KnowledgeBase, lessons: pd.DataFrame | None = None) -> list[BothWays]:
    """The factors with at least one enabler and one barrier, in the vocabulary's order."""
    lessons = lesson_frame(kb) if lessons is None else lessons
    found = []
    for term in kb.vocab("factors").terms:
        on = lessons[lessons["factor_id"] == term.id]
        helped, hindered = on[on["type_id"] == HELPS], on[on["type_id"] == HINDERS]
        if len(helped) and len(hindered):
            found.append(BothWays(term.id, term.label, helped, hindered))
    return found


def factors_by(kb: KnowledgeBase, by: str, lessons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per group (`by` = "theme" or "level", vocabulary order) and factor with lessons: the case studies in the
    group with a lesson on the factor, and those whose lesson says it helped or held the work back."""
    lessons = lesson_frame(kb) if lessons is None else lessons
    column = {"theme": "theme_ids", "level": "level_id"}[by]
    vocabulary = kb.vocab({"theme": "themes", "level": "levels"}[by])
    grouped = lessons.explode(column) if by == "theme" else lessons
    factor_order = {t.id: n for n, t in enumerate(kb.vocab("factors").terms)}
    rows = []
    for term in vocabulary.terms:
        in_group = grouped[grouped[column] == term.id]
        for factor_id, on in sorted(in_group.groupby("factor_id"), key=lambda pair: factor_order[pair[0]]):
            rows.append(
                {
                    "group_id": term.id,
                    "group": term.label,
                    "factor_id": factor_id,
                    "factor": on["factor"].iloc[0],
                    "case studies": on["case_id"].nunique(),
                    HELPS: on.loc[on["type_id"] == HELPS, "case_id"].nunique(),
                    HINDERS: on.loc[on["type_id"] == HINDERS, "case_id"].nunique(),
                }
            )
    return pd.DataFrame(rows, columns=["group_id", "group", "factor_id", "factor", "case studies", HELPS, HINDERS])


# --- HTML (from publish/templates) ----------------------------------------------------------------


def _case_studies(n: int) -> str:
    return plural(n, "case study", "case studies")


def _lesson_entries(rows: pd.DataFrame) -> list[dict]:
    """Lessons for helps_lessons.html: each once (a lesson on two factors of one list is one entry)."""
    unique = rows.drop_duplicates(["case_id", "lesson"])
    return [
        {
            "href": row["url"],
            "case": row["case"],
            "statement": row["statement"],
            "source": f"{row['source_short']} — {row['source_locator']}",
        }
        for _, row in unique.iterrows()
    ]


def _more(n_more: int) -> str:
    """What a list cut at its limit (tables.names_per_cell) says of the rest; empty when nothing was cut."""
    return f"and {plural(n_more, 'more lesson')} in the lessons export" if n_more > 0 else ""


def _factor_link(factor_id: str, text: str) -> dict[str, str]:
    return {"href": f"#{factor_anchor(factor_id)}", "text": text}


def overview_html(kb: KnowledgeBase, lessons: pd.DataFrame) -> Markup:
    """Per factor, the case studies with a lesson of each type on it, and the framework items about it."""
    counts = factor_counts(kb, lessons)
    types = kb.vocab("lesson_types").terms
    rows = [
        [
            _factor_link(row["factor_id"], row["factor"]),
            *(f"{row[t.id]:,}" if row[t.id] else "–" for t in types),
            f"{row['framework items']:,}",
        ]
        for _, row in counts.iterrows()
    ]
    caption = (
        f"Case studies with a lesson of each type on each factor ({_case_studies(lessons['case_id'].nunique())} "
        f"with {plural(len(lessons.drop_duplicates(['case_id', 'lesson'])), 'lesson')} in all), and the framework items about it"
    )
    headings = ["Factor", *(t.label for t in types), "Framework items"]
    return render("kb_table.html", css_class="kb-helps-overview", caption=caption, headings=headings, rows=rows, more="")


def _case_links(rows: pd.DataFrame, cap: int | None) -> list:
    """Links to the case studies of `rows`, each once; above `cap`, the first `cap` and a count of the rest."""
    unique = rows.drop_duplicates("case_id")
    links: list = [{"href": row["url"], "text": row["case"]} for _, row in unique.head(cap).iterrows()]
    return links + ([f"and {len(unique) - cap:,} more"] if cap is not None and len(unique) > cap else [])


def both_ways_html(kb: KnowledgeBase, lessons: pd.DataFrame) -> Markup:
    """The factors that helped in one place and held the work back in another: the case studies of each
    side by side, the factor linked down to its lessons."""
    found = both_ways(kb, lessons)
    cap = names_per_cell([side["case_id"].nunique() for f in found for side in (f.helped, f.hindered)])
    rows = [
        {"factor": _factor_link(f.factor_id, f.factor), "helped": _case_links(f.helped, cap), "hindered": _case_links(f.hindered, cap)}
        for f in found
    ]
    caption = (
        f"{plural(len(found), 'factor')} that helped in one case study and held the work back in another"
        if found else "No factor is yet named as helping in one case study and as holding the work back in another"
    )
    headings = ["Factor", type_heading(kb, HELPS), type_heading(kb, HINDERS)]
    return render("helps_both_ways.html", caption=caption, headings=headings, rows=rows)


def factor_sections_html(kb: KnowledgeBase, lessons: pd.DataFrame) -> Markup:
    """One closed <details> per factor: its definition, its lessons by type (enablers beside barriers),
    and the framework items about it."""
    items = items_by_factor(kb)
    hrefs = item_hrefs(kb)  # each item is on its framework's page (chapters/frameworks/), beside this chapter's folder
    types = kb.vocab("lesson_types").terms
    every = {
        (term.id, t.id): _lesson_entries(lessons[(lessons["factor_id"] == term.id) & (lessons["type_id"] == t.id)])
        for term in kb.vocab("factors").terms
        for t in types
    }
    cap = names_per_cell([len(entries) for entries in every.values()])
    factors = []
    for term in kb.vocab("factors").terms:
        on = lessons[lessons["factor_id"] == term.id]
        groups = [
            {
                "type_id": t.id,
                "heading": type_heading(kb, t.id),
                "lessons": every[(term.id, t.id)][:cap],
                "more": _more(len(every[(term.id, t.id)]) - (cap or 0)) if cap is not None else "",
            }
            for t in types
        ]
        by_type = {g["type_id"]: g for g in groups}
        n_types = {t.id: on.loc[on["type_id"] == t.id, "case_id"].nunique() for t in types}
        summary = ", ".join(
            f"{t.label.lower()} in {n_types[t.id]:,}" for t in types if n_types[t.id] and t.id in (HELPS, HINDERS)
        )
        factors.append(
            {
                "anchor": factor_anchor(term.id),
                "factor": term.label,
                "definition": term.definition,
                "count": _case_studies(on["case_id"].nunique()),
                "summary": summary,
                "helped": by_type[HELPS],
                "hindered": by_type[HINDERS],
                "others": [g for g in groups if g["type_id"] not in (HELPS, HINDERS) and g["lessons"]],
                "framework_items": [
                    {"href": hrefs[item_id], "name": name, "framework": title} for item_id, name, title in items[term.id]
                ],
            }
        )
    return render("helps_factors.html", factors=factors, export=LESSONS_EXPORT)


def groups_html(kb: KnowledgeBase, by: str, lessons: pd.DataFrame) -> Markup:
    """A compact table of counts: per theme or level with lessons (rows) and factor (columns), the case studies
    in the group with a lesson on the factor, each count linked down to the factor's lessons."""
    frame = factors_by(kb, by, lessons)
    column = {"theme": "theme_ids", "level": "level_id"}[by]
    grouped = lessons.explode(column) if by == "theme" else lessons
    factors = [t for t in kb.vocab("factors").terms if t.id in set(frame["factor_id"])]
    counts = {(r["group_id"], r["factor_id"]): r["case studies"] for _, r in frame.iterrows()}
    rows = []
    for group_id, group in frame[["group_id", "group"]].drop_duplicates().itertuples(index=False):
        cells = []
        for factor in factors:
            n = counts.get((group_id, factor.id), 0)
            cells.append({"count": f"{n:,}", "href": f"#{factor_anchor(factor.id)}", "about": f"{_case_studies(n)} on {factor.label}"} if n else None)
        rows.append({"label": group, "cases": f"{grouped.loc[grouped[column] == group_id, 'case_id'].nunique():,}", "cells": cells})
    noun = {"theme": "Theme", "level": "Level"}[by]
    caption = f"Case studies with a lesson on each factor, by {noun.lower()}; a number leads to the factor's lessons"
    return render(
        "helps_matrix.html",
        css_class=f"kb-helps-by-{by}",
        caption=caption,
        noun=noun,
        factors=[{"anchor": factor_anchor(f.id), "label": f.label} for f in factors],
        rows=rows,
    )


# --- the integration checklist's areas (chapters/checklist_page.py) --------------------------------

# The lessons that address an area not yet in place: what helped, what it took, and what held others back.
ADDRESSING_TYPES = (HELPS, "implementation", HINDERS)


def area_factors(kb: KnowledgeBase, framework_item_ids: list[str]) -> list[str]:
    """The factors of a checklist area, through the framework items it names, in the vocabulary's order."""
    items = {item.id: item for _, item in framework_items(kb)}
    named = {f for i in framework_item_ids for f in items[i].factors}
    return [f for f in kb.vocab("factors").ids() if f in named]


def area_lessons(kb: KnowledgeBase, factor_ids: list[str], lessons: pd.DataFrame) -> list[dict]:
    """The lessons on any of `factor_ids` of the ADDRESSING_TYPES (in that order, then record order), each once,
    with its type, its case study and its source (the caller cuts the list at scale)."""
    order = {t: n for n, t in enumerate(ADDRESSING_TYPES)}
    chosen = lessons[lessons["factor_id"].isin(factor_ids) & lessons["type_id"].isin(ADDRESSING_TYPES)]
    chosen = chosen.drop_duplicates(["case_id", "lesson"])
    chosen = chosen.assign(_order=chosen["type_id"].map(order)).sort_values("_order", kind="stable")
    return [
        {**entry, "type": row["type"], "type_id": row["type_id"], "case_id": row["case_id"], "lesson": int(row["lesson"])}
        for entry, (_, row) in zip(_lesson_entries(chosen), chosen.iterrows(), strict=True)
    ]
