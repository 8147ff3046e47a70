"""The frameworks chapter's generated parts: every framework and item as MyST, and its tables.

Headings are MyST with explicit labels (`framework-<id>`, `item-<id>`, the anchors the page has always
had), so they appear in the page's contents and links to them are checked by the strict build. Tables
whose cells hold links are HTML from publish/templates/kb_table.html, placed as raw HTML blocks.
"""

from __future__ import annotations

from ..publish.html import plural, render
from ..publish.text import md_escape, md_token, raw_html_block, summary_html
from ..records.kb import KnowledgeBase
from ..records.schema import Framework
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
from .tables import CASES_URL, LISTING_LIMIT, names_per_cell

ILLUSTRATION_HEADINGS = ("Case study", "Shown by", "Key outcome", "Kind of figure")
QUESTION_HEADINGS = ("Case study", "Framework items it illustrates", "Key outcome", "Kind of figure")


def item_anchor(item_id: str) -> str:
    return md_token(f"item-{item_id}")


def framework_anchor(framework_id: str) -> str:
    return md_token(f"framework-{framework_id}")


def case_link(case_id: str, title: str) -> dict[str, str]:
    """A link cell of kb_table.html to a case page."""
    return {"href": f"{CASES_URL}{case_id}.html", "text": title}


def more_text(n_more: int) -> str:
    """The last row of a list cut at its limit: how many more case studies there are."""
    return f"And {plural(n_more, 'more case study', 'more case studies')}, {NOT_LISTED}."


def _outcome_cells(row: Illustration) -> list[str]:
    """A case study's key outcome and the kind of figure it is (NO_OUTCOME when it gives none)."""
    return [row.key_outcome.text if row.key_outcome else NO_OUTCOME, row.key_outcome.kind if row.key_outcome else ""]


def illustrations_table(rows: list[Illustration], caption: str, cap: int | None = None):
    """The case studies illustrating an item; above `cap` rows, the first `cap` and a count of the rest."""
    body = [
        [
            case_link(row.case_id, row.case_title),
            "the whole case study" if not row.examples else "example: " + "; ".join(row.examples),
            *_outcome_cells(row),
        ]
        for row in rows[:cap]
    ]
    more = more_text(len(rows) - cap) if cap is not None and len(rows) > cap else ""
    return render("kb_table.html", css_class="kb-illustrations", caption=caption, headings=ILLUSTRATION_HEADINGS, rows=body, more=more)


def framework_list_lines(kb: KnowledgeBase) -> list[str]:
    """A list of the frameworks to jump to, each with how many items it has and how many are gaps."""
    counts = (
        items_frame(kb)
        .groupby("framework_id", sort=False)["case studies"]
        .agg(items="size", gaps=lambda s: int((s == 0).sum()))
    )
    lines = []
    for fw in kb.frameworks:
        n_items, n_gaps = int(counts.loc[fw.id, "items"]), int(counts.loc[fw.id, "gaps"])
        gap_text = f", {n_gaps:,} without a case study" if n_gaps else ", every one illustrated"
        summary = f"({plural(n_items, 'item')}{gap_text})"
        lines.append(f"- [{md_escape(fw.title)}](#{framework_anchor(fw.id)}) {md_escape(summary)}")
    return lines + [""]


def framework_lines(kb: KnowledgeBase, framework: Framework, found: dict[str, list[Illustration]], cap: int | None) -> list[str]:
    """One framework: its purpose and source, then each item with its meaning and its evidence."""
    cite = kb.bibliography.citation_text(framework.source.key)
    lines = [
        f"({framework_anchor(framework.id)})=",
        f"## {md_escape(framework.title)}",
        "",
        # contributors' Markdown prose, rendered by summary_html, which allows no HTML of its own
        raw_html_block(summary_html(framework.description)),
        "",
        f"[{md_escape(f'Source: {cite} — {framework.source.locator}')}]{{.kb-source}}",
        "",
    ]
    for item in framework.items:
        rows = found[item.id]
        group = f"[{md_escape(item.group + ':')}]{{.kb-item-group}} " if item.group else ""
        lines += [
            f"({item_anchor(item.id)})=",
            f"### {group}{md_escape(item.name)}",
            "",
            raw_html_block(summary_html(item.definition)),
            "",
            f"[{md_escape('Where the source sets it out: ' + item.locator)}]{{.kb-locator}}",
            "",
        ]
        if rows:
            verb = "illustrates" if len(rows) == 1 else "illustrate"
            caption = f"{plural(len(rows), 'case study', 'case studies')} {verb} {item.name}"
            lines += [raw_html_block(illustrations_table(rows, caption, cap)), ""]
        else:
            lines += ["[**Evidence gap:** no case study in the knowledge base illustrates this item yet.]{.kb-gap}", ""]
    return lines


def frameworks_part(kb: KnowledgeBase) -> str:
    """The generated part of chapters/frameworks.md: the list of frameworks, then each framework. Above
    LISTING_LIMIT illustrations in all, each item lists its first few case studies and counts the rest."""
    found = illustrations(kb)
    cap = names_per_cell([len(rows) for rows in found.values()])
    lines = framework_list_lines(kb)
    for fw in kb.frameworks:
        lines += framework_lines(kb, fw, found, cap)
    return "\n".join(lines).rstrip() + "\n"


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
    body = [
        [
            case_link(row.case_id, row.case_title),
            # links to items on this page, whose ids were just checked against the frameworks
            [{"href": f"#{item_anchor(i)}", "text": names[i]} for i in ids],
            *_outcome_cells(row),
        ]
        for row, ids in ranked[:limit]
    ]
    more = more_text(len(ranked) - limit) if len(ranked) > limit else ""
    full_caption = f"{caption} ({plural(len(by_case), 'case study', 'case studies')})"
    return render("kb_table.html", css_class="kb-question", caption=full_caption, headings=QUESTION_HEADINGS, rows=body, more=more)
