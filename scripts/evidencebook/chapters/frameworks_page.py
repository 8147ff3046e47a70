"""The frameworks chapter's generated parts: a page per framework with every item, and the tables.

The chapter lists the frameworks and what they share; each framework has its own page
(chapters/frameworks/<id>, subpages.py). Headings are MyST with explicit labels (`framework-<id>` on the
page's title, `item-<id>` on each item: the anchors the chapter always had, now on the framework's
page), so they appear in the page's contents, and links to them ([text](#item-<id>), from the
checklist) are resolved and checked by the strict build wherever the item is. Tables whose cells hold
links are HTML from publish/templates/kb_table.html, placed as raw HTML blocks.
"""

from __future__ import annotations

import pandas as pd

from ..publish.html import plural, render
from ..publish.text import md_escape, md_token, raw_html_block, summary_html
from ..records.kb import KnowledgeBase
from ..records.reference_schema import Framework
from .frameworks import (
    NO_OUTCOME,
    NOT_LISTED,
    Illustration,
    agreement_frame,
    document_labels,
    framework_items,
    illustrations,
    items_frame,
)
from .subpages import CASES_URL as SUBPAGE_CASES_URL
from .subpages import Chunk, SubPage, continued_name, page_name, page_steps, page_title
from .tables import CASES_URL, LISTING_LIMIT, names_per_cell

CHAPTER = "frameworks"
ROWS_PER_PAGE = 60  # case studies listed (and items) on one framework's page: well under 15,000 px at 1366 px

ILLUSTRATION_HEADINGS = ("Case study", "Shown by", "Key outcome", "Kind of figure")
QUESTION_HEADINGS = ("Case study", "Framework items it illustrates", "Key outcome", "Kind of figure")


def item_anchor(item_id: str) -> str:
    return md_token(f"item-{item_id}")


def framework_anchor(framework_id: str) -> str:
    return md_token(f"framework-{framework_id}")


def case_link(case_id: str, title: str, cases_url: str = CASES_URL) -> dict[str, str]:
    """A link cell of kb_table.html to a case page (`cases_url`: the case pages' folder from the page)."""
    return {"href": f"{cases_url}{case_id}.html", "text": title}


def framework_page_names(kb: KnowledgeBase) -> dict[str, str]:
    """Framework id -> the name of its page in chapters/frameworks/."""
    return {fw.id: page_name(fw.id, i, "framework") for i, fw in enumerate(kb.frameworks, 1)}


def item_hrefs(kb: KnowledgeBase) -> dict[str, str]:
    """Item id -> its heading, from the chapter page (chapters/frameworks.html): on its framework's page."""
    found = illustrations(kb)
    cap = names_per_cell([len(rows) for rows in found.values()])
    names = framework_page_names(kb)
    return {
        item.id: f"{CHAPTER}/{continued_name(names[fw.id], number)}.html#{item_anchor(item.id)}"
        for fw in kb.frameworks
        for number, items in enumerate(item_pages(fw, found, cap), 1)
        for item in items
    }


def more_text(n_more: int) -> str:
    """The last row of a list cut at its limit: how many more case studies there are."""
    return f"And {plural(n_more, 'more case study', 'more case studies')}, {NOT_LISTED}."


def _outcome_cells(row: Illustration) -> list[str]:
    """A case study's key outcome and the kind of figure it is (NO_OUTCOME when it gives none)."""
    return [row.key_outcome.text if row.key_outcome else NO_OUTCOME, row.key_outcome.kind if row.key_outcome else ""]


def illustrations_table(rows: list[Illustration], caption: str, cap: int | None = None, cases_url: str = CASES_URL):
    """The case studies illustrating an item; above `cap` rows, the first `cap` and a count of the rest."""
    body = [
        [
            case_link(row.case_id, row.case_title, cases_url),
            "the whole case study" if not row.examples else "example: " + "; ".join(row.examples),
            *_outcome_cells(row),
        ]
        for row in rows[:cap]
    ]
    more = more_text(len(rows) - cap) if cap is not None and len(rows) > cap else ""
    return render("kb_table.html", css_class="kb-illustrations", caption=caption, headings=ILLUSTRATION_HEADINGS, rows=body, more=more)


def framework_list_lines(kb: KnowledgeBase) -> list[str]:
    """A list of the frameworks' pages, each with how many items it has and how many are gaps."""
    counts = (
        items_frame(kb)
        .groupby("framework_id", sort=False)["case studies"]
        .agg(items="size", gaps=lambda s: int((s == 0).sum()))
    )
    pages = framework_page_names(kb)
    lines = []
    for fw in kb.frameworks:
        n_items, n_gaps = int(counts.loc[fw.id, "items"]), int(counts.loc[fw.id, "gaps"])
        gap_text = f", {n_gaps:,} without a case study" if n_gaps else ", every one illustrated"
        summary = f"({plural(n_items, 'item')}{gap_text})"
        lines.append(f"- [{md_escape(fw.title)}]({CHAPTER}/{md_token(pages[fw.id])}.md) {md_escape(summary)}")
    return lines + [""]


def item_pages(framework: Framework, found: dict[str, list[Illustration]], cap: int | None) -> list[list]:
    """The framework's items cut into pages in order: a page takes items while their rows (the case
    studies listed, and one for the item itself) stay within ROWS_PER_PAGE; an item is never cut."""
    pages: list[list] = [[]]
    weight = 0
    for item in framework.items:
        rows = 1 + len(found[item.id][:cap])
        if pages[-1] and weight + rows > ROWS_PER_PAGE:
            pages.append([])
            weight = 0
        pages[-1].append(item)
        weight += rows
    return pages


def item_lines(item, rows: list[Illustration], cap: int | None) -> list[str]:
    """One item: its name (labelled), meaning and locator, then the case studies illustrating it."""
    group = f"[{md_escape(item.group + ':')}]{{.kb-item-group}} " if item.group else ""
    lines = [
        f"({item_anchor(item.id)})=",
        f"## {group}{md_escape(item.name)}",
        "",
        raw_html_block(summary_html(item.definition)),
        "",
        f"[{md_escape('Where the source sets it out: ' + item.locator)}]{{.kb-locator}}",
        "",
    ]
    if rows:
        verb = "illustrates" if len(rows) == 1 else "illustrate"
        caption = f"{plural(len(rows), 'case study', 'case studies')} {verb} {item.name}"
        return lines + [raw_html_block(illustrations_table(rows, caption, cap, SUBPAGE_CASES_URL)), ""]
    return lines + ["[**Evidence gap:** no case study in the knowledge base illustrates this item yet.]{.kb-gap}", ""]


def framework_page_texts(kb: KnowledgeBase, framework: Framework, found: dict[str, list[Illustration]], cap: int | None) -> list[str]:
    """One framework's pages (one unless its items list more case studies than a page holds): its purpose
    and source, then each item with its meaning and its evidence."""
    cite = kb.bibliography.citation_text(framework.source.key)
    name = framework_page_names(kb)[framework.id]
    pages = item_pages(framework, found, cap)
    texts = []
    for number, items in enumerate(pages, 1):
        chunk = Chunk(pd.DataFrame(), number, len(pages), 0)
        lines = [f"({framework_anchor(framework.id)})=" if number == 1 else "", f"# {md_escape(page_title(framework.title, chunk))}", ""]
        lines += [
            f"One of the frameworks of the source documents: see [the frameworks chapter](../{CHAPTER}.md) for all of them, "
            "the items no case study illustrates yet, and where the documents agree.",
            "",
        ]
        steps = page_steps(name, chunk)
        lines += [steps, ""] if steps else []
        if number == 1:
            lines += [
                # contributors' Markdown prose, rendered by summary_html, which allows no HTML of its own
                raw_html_block(summary_html(framework.description)),
                "",
                f"[{md_escape(f'Source: {cite} — {framework.source.locator}')}]{{.kb-source}}",
                "",
            ]
        for item in items:
            lines += item_lines(item, found[item.id], cap)
        texts.append("\n".join(lines).lstrip("\n"))
    return texts


def frameworks_part(kb: KnowledgeBase) -> str:
    """The generated part of chapters/frameworks.md: the list of the frameworks' pages."""
    return "\n".join(framework_list_lines(kb)).rstrip() + "\n"


def framework_subpages(kb: KnowledgeBase) -> list[SubPage]:
    """A page per framework, each item with the case studies illustrating it. Above LISTING_LIMIT
    illustrations in all, each item lists its first few case studies and counts the rest."""
    found = illustrations(kb)
    cap = names_per_cell([len(rows) for rows in found.values()])
    names = framework_page_names(kb)
    return [
        SubPage(CHAPTER, continued_name(names[fw.id], number), text)
        for fw in kb.frameworks
        for number, text in enumerate(framework_page_texts(kb, fw, found, cap), 1)
    ]


def agreement_html(kb: KnowledgeBase, limit: int = LISTING_LIMIT):
    """The case studies illustrating more than one document's frameworks, most documents first (above
    `limit`, the first `limit` and a count of the rest)."""
    frame = agreement_frame(kb)
    shown = frame.head(limit)
    labels = document_labels(kb)
    documents = [c for c in frame.columns if c not in ("case_id", "case", "documents", "key outcome")]
    body = [
        [case_link(row["case_id"], row["case"]), row["key outcome"], *(row[d] or "—" for d in documents)]
        for _, row in shown.iterrows()
    ]
    more = more_text(len(frame) - len(shown)) if len(frame) > len(shown) else ""
    caption = f"{plural(len(frame), 'case study', 'case studies')} {'illustrates' if len(frame) == 1 else 'illustrate'} the frameworks of more than one document"
    headings = ["Case study", "Key outcome", *(labels[d] for d in documents)]
    return render("kb_table.html", css_class="kb-agreement", caption=caption, headings=headings, rows=body, more=more)


def question_html(kb: KnowledgeBase, item_ids: list[str], caption: str, limit: int = LISTING_LIMIT):
    """The case studies illustrating any of several related items (from different documents), each once,
    with the items it illustrates and its key outcome: one question answered across the frameworks."""
    found = illustrations(kb)
    names = {item.id: item.name for _, item in framework_items(kb)}
    unknown = [i for i in item_ids if i not in names]
    if unknown:
        raise KeyError(f"not framework item ids: {', '.join(unknown)} (see data/frameworks/*.yml)")
    by_case: dict[str, tuple[Illustration, list[str]]] = {}
    for item_id in item_ids:
        for row in found[item_id]:
            by_case.setdefault(row.case_id, (row, []))[1].append(item_id)
    ranked = sorted(by_case.values(), key=lambda pair: (-len(pair[1]), pair[0].case_title.casefold()))
    hrefs = item_hrefs(kb)
    body = [
        [
            case_link(row.case_id, row.case_title),
            # links to items on their framework's page, whose ids were just checked against the frameworks
            [{"href": hrefs[i], "text": names[i]} for i in ids],
            *_outcome_cells(row),
        ]
        for row, ids in ranked[:limit]
    ]
    more = more_text(len(ranked) - limit) if len(ranked) > limit else ""
    full_caption = f"{caption} ({plural(len(by_case), 'case study', 'case studies')})"
    return render("kb_table.html", css_class="kb-question", caption=full_caption, headings=QUESTION_HEADINGS, rows=body, more=more)
