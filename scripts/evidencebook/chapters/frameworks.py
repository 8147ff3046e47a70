"""The source documents' frameworks linked to the evidence, and the integration checklist as a page.

A case study (or one of its examples) illustrates a framework item when its record lists the item's
id in `illustrates`. From that one link this module derives, for the chapters:

- for each item, the case studies illustrating it, each with its key outcome; an item no case
  study illustrates is an evidence gap;
- where the documents agree: frameworks (and items) of different documents illustrated by the
  same case studies;
- the integration checklist as escaped HTML, each area linked to case studies through the
  framework items the area names in `framework_items` (data/integration-checklist.yml).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from ..publish.text import Markup, format_figure, summary_html
from ..records.kb import KnowledgeBase
from ..records.schema import CaseStudy, Checklist, Framework, FrameworkItem, Outcome
from .tables import CASES_URL, LISTING_LIMIT, names_per_cell

NO_OUTCOME = "The sources give no figure."
# The catalogue has no framework-item facet, so case studies beyond a list's limit are counted, not linked.
NOT_LISTED = "not listed here (the catalogue cannot yet select case studies by framework item)"
STATUSES = [("not-started", "Not started"), ("in-development", "In development"), ("in-place", "In place")]


@dataclass(frozen=True)
class KeyOutcome:
    text: str  # "Emergency admissions: 15% (decrease)"
    kind: str  # the outcome kind's label, e.g. "Measured"
    measured: bool

    def labelled(self) -> str:
        """The text, saying what kind of figure it is unless it was measured."""
        return self.text if self.measured else f"{self.text} [{self.kind.lower()}]"


@dataclass(frozen=True)
class Illustration:
    """One case study illustrating one framework item."""

    case_id: str
    case_title: str
    examples: tuple[
        str, ...
    ]  # titles of the examples that illustrate it; empty when the record as a whole does
    key_outcome: KeyOutcome | None


def outcome_text(outcome: Outcome) -> str:
    figure = format_figure(outcome.value, outcome.value_max, outcome.unit, outcome.scale, outcome.qualifier)
    text = f"{outcome.metric}: {figure}" if figure else f"{outcome.metric} (no figure given)"
    return text + (f" ({outcome.direction})" if figure and outcome.direction else "")


def key_outcome(kb: KnowledgeBase, record: CaseStudy) -> KeyOutcome | None:
    """The figure that best sums up a case study: its first measured outcome with a number, else its
    first measured outcome, else its first outcome with a number, else its first outcome."""
    if not record.outcomes:
        return None
    with_value = [o for o in record.outcomes if o.value is not None]
    measured = [o for o in record.outcomes if o.kind == "measured"]
    for candidates in ([o for o in measured if o.value is not None], measured, with_value, record.outcomes):
        if candidates:
            chosen = candidates[0]
            return KeyOutcome(
                outcome_text(chosen), kb.vocab("outcome_kinds").label(chosen.kind), chosen.kind == "measured"
            )
    return None  # unreachable: record.outcomes is not empty


def framework_items(kb: KnowledgeBase) -> list[tuple[Framework, FrameworkItem]]:
    return [(fw, item) for fw in kb.frameworks for item in fw.items]


def illustrations(kb: KnowledgeBase) -> dict[str, list[Illustration]]:
    """Every framework item id (in framework order) -> the case studies illustrating it, by title."""
    found: dict[str, dict[str, list[str] | None]] = {item.id: {} for _, item in framework_items(kb)}
    for record in kb.records.values():
        for item_id in record.illustrates:
            found[item_id][record.id] = None  # the record as a whole: examples need not be named
        for example in record.examples:
            for item_id in example.illustrates:
                titles = found[item_id].setdefault(record.id, [])
                if titles is not None:
                    titles.append(example.title)
    out = {}
    for item_id, cases in found.items():
        rows = [
            Illustration(cid, kb.records[cid].title, tuple(titles or ()), key_outcome(kb, kb.records[cid]))
            for cid, titles in cases.items()
        ]
        out[item_id] = sorted(rows, key=lambda r: r.case_title.casefold())
    return out


def items_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per framework item, with how many case studies illustrate it (0 = an evidence gap)."""
    found = illustrations(kb)
    rows = [
        {
            "framework_id": fw.id,
            "framework": fw.title,
            "document": fw.source.key,
            "item_id": item.id,
            "item": item.name,
            "group": item.group or "",
            "locator": item.locator,
            "case studies": len(found[item.id]),
        }
        for fw, item in framework_items(kb)
    ]
    return pd.DataFrame(rows)


def gaps(kb: KnowledgeBase) -> pd.DataFrame:
    """Framework items no case study or example illustrates."""
    frame = items_frame(kb)
    return frame[frame["case studies"] == 0].reset_index(drop=True)


def case_frameworks(kb: KnowledgeBase) -> dict[str, dict[str, list[str]]]:
    """case id -> framework id -> ids of its items the case study (or one of its examples) illustrates."""
    framework_of = {item.id: fw.id for fw, item in framework_items(kb)}
    out: dict[str, dict[str, list[str]]] = {}
    for item_id, rows in illustrations(kb).items():
        for row in rows:
            out.setdefault(row.case_id, {}).setdefault(framework_of[item_id], []).append(item_id)
    return dict(sorted(out.items()))


def framework_overlap(kb: KnowledgeBase) -> pd.DataFrame:
    """Long frame, every pair of frameworks: how many case studies illustrate items of both.
    The diagonal is the number of case studies illustrating the framework at all."""
    by_case = case_frameworks(kb)
    titles = {fw.id: fw.title for fw in kb.frameworks}
    rows = []
    for a, b in itertools.product(kb.frameworks, repeat=2):
        shared = [cid for cid, fws in by_case.items() if a.id in fws and b.id in fws]
        rows.append({"framework_a": titles[a.id], "framework_b": titles[b.id], "case studies": len(shared)})
    return pd.DataFrame(rows)


def agreement_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """Case studies that illustrate the frameworks of more than one document: where the documents agree.
    One row per case study, one column per document listing the items it illustrates there."""
    item_names = {item.id: item.name for _, item in framework_items(kb)}
    document_of = {fw.id: fw.source.key for fw in kb.frameworks}
    documents = list(dict.fromkeys(fw.source.key for fw in kb.frameworks))
    rows = []
    for cid, fws in case_frameworks(kb).items():
        by_doc: dict[str, list[str]] = {}
        for fw_id, item_ids in fws.items():
            by_doc.setdefault(document_of[fw_id], []).extend(item_names[i] for i in item_ids)
        if len(by_doc) < 2:
            continue
        outcome = key_outcome(kb, kb.records[cid])
        row = {
            "case_id": cid,
            "case": kb.records[cid].title,
            "documents": len(by_doc),
            "key outcome": outcome.labelled() if outcome else NO_OUTCOME,
        }
        row.update({doc: "; ".join(by_doc.get(doc, [])) for doc in documents})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["case_id", "case", "documents", "key outcome", *documents])
    return frame.sort_values(["documents", "case"], ascending=[False, True]).reset_index(drop=True)


def document_labels(kb: KnowledgeBase) -> dict[str, str]:
    """Document key -> its short title (the bibliography's title up to the colon)."""
    labels = {}
    for fw in kb.frameworks:
        data = kb.bibliography.data
        entry = data.entries.get(fw.source.key) if data is not None else None
        title = entry.fields.get("title", "") if entry is not None else ""
        labels[fw.source.key] = title.replace("{", "").replace("}", "").split(":")[0].strip() or fw.source.key
    return labels


# --- HTML -------------------------------------------------------------------------------------------
# Assembled with Markup: Markup("<td>{}</td>").format(value) escapes the value, and only fragments
# built the same way (Markup) pass through unescaped.


def case_link(case_id: str, title: str) -> Markup:
    return Markup('<a href="{}{}.html">{}</a>').format(CASES_URL, case_id, title)


def item_anchor(item_id: str) -> str:
    return f"item-{item_id}"


def framework_anchor(framework_id: str) -> str:
    return f"framework-{framework_id}"


def _key_outcome_cells(row: Illustration) -> Markup:
    """The key-outcome and kind cells of a case study's row (NO_OUTCOME when it gives no figure)."""
    outcome = row.key_outcome.text if row.key_outcome else NO_OUTCOME
    kind = row.key_outcome.kind if row.key_outcome else ""
    return Markup("<td>{}</td><td>{}</td>").format(outcome, kind)


def _more_row(n_more: int, columns: int) -> Markup:
    """The last row of a table cut at its limit: how many more case studies there are."""
    noun = "case study" if n_more == 1 else "case studies"
    return Markup('<tr class="kb-more"><td colspan="{}">And {:,} more {}, {}.</td></tr>').format(columns, n_more, noun, NOT_LISTED)


def _table(css_class: str, caption: str, headings, body: list[Markup]) -> Markup:
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in headings)
    return Markup('<table class="kb-table {}"><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(
        css_class, caption, head, Markup("").join(body)
    )


def illustrations_table(rows: list[Illustration], caption: str, cap: int | None = None) -> Markup:
    """The case studies illustrating an item; above `cap` rows, the first `cap` and a count of the rest."""
    body = []
    for row in rows[:cap]:
        via = "the whole case study" if not row.examples else "example: " + "; ".join(row.examples)
        body.append(
            Markup("<tr><td>{}</td><td>{}</td>{}</tr>").format(case_link(row.case_id, row.case_title), via, _key_outcome_cells(row))
        )
    if cap is not None and len(rows) > cap:
        body.append(_more_row(len(rows) - cap, 4))
    return _table("kb-illustrations", caption, ("Case study", "Shown by", "Key outcome", "Kind of figure"), body)


def framework_section(
    kb: KnowledgeBase, framework: Framework, found: dict[str, list[Illustration]], cap: int | None = None
) -> Markup:
    """One framework: its purpose and source, then each item with its meaning and its evidence (at most
    `cap` case studies an item, the rest counted)."""
    cite = kb.bibliography.citation_text(framework.source.key)
    parts = [
        Markup('<section class="kb-framework" id="{}">').format(framework_anchor(framework.id)),
        Markup("<h2>{}</h2>").format(framework.title),
        summary_html(framework.description),
        Markup('<p class="kb-source">Source: {} — {}</p>').format(cite, framework.source.locator),
    ]
    for item in framework.items:
        rows = found[item.id]
        parts.append(Markup('<section class="kb-framework-item" id="{}">').format(item_anchor(item.id)))
        group = Markup('<span class="kb-item-group">{}: </span>').format(item.group) if item.group else ""
        parts.append(Markup("<h3>{}{}</h3>").format(group, item.name))
        parts.append(summary_html(item.definition))
        parts.append(Markup('<p class="kb-locator">Where the source sets it out: {}</p>').format(item.locator))
        if rows:
            noun = "case study illustrates" if len(rows) == 1 else "case studies illustrate"
            parts.append(illustrations_table(rows, f"{len(rows)} {noun} {item.name}", cap))
        else:
            parts.append(
                Markup(
                    '<p class="kb-gap"><strong>Evidence gap:</strong> no case study in the knowledge base '
                    "illustrates this item yet.</p>"
                )
            )
        parts.append(Markup("</section>"))
    parts.append(Markup("</section>"))
    return Markup("\n").join(parts)


def frameworks_html(kb: KnowledgeBase) -> Markup:
    """Every framework, with a list of them first to jump to. Above LISTING_LIMIT illustrations in all,
    each item lists its first few case studies and counts the rest."""
    found = illustrations(kb)
    cap = names_per_cell([len(rows) for rows in found.values()])
    counts = (
        items_frame(kb)
        .groupby("framework_id", sort=False)["case studies"]
        .agg(items="size", gaps=lambda s: int((s == 0).sum()))
    )
    toc = [Markup('<nav class="kb-framework-list" aria-label="Frameworks on this page"><ul>')]
    for fw in kb.frameworks:
        n_items, n_gaps = counts.loc[fw.id, "items"], counts.loc[fw.id, "gaps"]
        gap_text = f", {n_gaps} without a case study" if n_gaps else ", every one illustrated"
        toc.append(
            Markup('<li><a href="#{}">{}</a> ({} items{})</li>').format(framework_anchor(fw.id), fw.title, n_items, gap_text)
        )
    toc.append(Markup("</ul></nav>"))
    return Markup("\n").join(toc + [framework_section(kb, fw, found, cap) for fw in kb.frameworks])


def agreement_html(kb: KnowledgeBase, limit: int = LISTING_LIMIT) -> Markup:
    """The case studies illustrating more than one document's frameworks, most documents first (above
    `limit`, the first `limit` and a count of the rest)."""
    frame = agreement_frame(kb)
    shown = frame.head(limit)
    labels = document_labels(kb)
    documents = [c for c in frame.columns if c not in ("case_id", "case", "documents", "key outcome")]
    body = []
    for _, row in shown.iterrows():
        cells = [case_link(row["case_id"], row["case"]), row["key outcome"]]
        cells += [row[d] if row[d] else "—" for d in documents]
        body.append(Markup("<tr>{}</tr>").format(Markup("").join(Markup("<td>{}</td>").format(c) for c in cells)))
    if len(frame) > len(shown):
        body.append(_more_row(len(frame) - len(shown), 2 + len(documents)))
    caption = f"{len(frame)} case studies illustrate the frameworks of more than one document"
    return _table("kb-agreement", caption, ["Case study", "Key outcome", *(labels[d] for d in documents)], body)


def question_html(kb: KnowledgeBase, item_ids: list[str], caption: str, limit: int = LISTING_LIMIT) -> Markup:
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
    body = []
    ranked = sorted(by_case.values(), key=lambda pair: (-len(pair[1]), pair[0].case_title.casefold()))
    for row, ids in ranked[:limit]:
        items = Markup("; ").join(Markup('<a href="#{}">{}</a>').format(item_anchor(i), names[i]) for i in ids)
        body.append(
            Markup("<tr><td>{}</td><td>{}</td>{}</tr>").format(case_link(row.case_id, row.case_title), items, _key_outcome_cells(row))
        )
    if len(ranked) > limit:
        body.append(_more_row(len(ranked) - limit, 4))
    headings = ("Case study", "Framework items it illustrates", "Key outcome", "Kind of figure")
    return _table("kb-question", f"{caption} ({len(by_case)} case studies)", headings, body)


# --- the integration checklist ------------------------------------------------------------------------


def _checklist(kb: KnowledgeBase) -> Checklist:
    if kb.checklist is None:
        raise ValueError("data/integration-checklist.yml is missing: restore it to build the checklist pages")
    return kb.checklist


def checklist_cases(kb: KnowledgeBase) -> dict[str, list[Illustration]]:
    """Checklist area id -> every case study showing the area done, through the framework items the
    area names, by title. A case study reached through two of them is listed once."""
    found = illustrations(kb)
    out = {}
    for theme in _checklist(kb).themes:
        for area in theme.areas:
            seen: dict[str, Illustration] = {}
            for item_id in area.framework_items:
                for row in found[item_id]:
                    seen.setdefault(row.case_id, row)
            out[area.id] = sorted(seen.values(), key=lambda row: row.case_title.casefold())
    return out


def checklist_mapping_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per checklist area: the framework items linking it to case studies, and how many that gives."""
    names = {item.id: item.name for _, item in framework_items(kb)}
    cases = checklist_cases(kb)
    rows = [
        {
            "theme": theme.name,
            "area": area.name,
            "items": len(area.items),
            "framework items": "; ".join(names[i] for i in area.framework_items) or "none",
            "case studies": len(cases[area.id]),
        }
        for theme in _checklist(kb).themes
        for area in theme.areas
    ]
    return pd.DataFrame(rows)


def _status_fieldset(item_id: str, label: str) -> Markup:
    """Three radio buttons: usable (and printable) without JavaScript; the page script adds the summaries."""
    option = Markup('<label class="kb-status-option kb-status-{}"><input type="radio" name="status-{}" value="{}"{}> {}</label>')
    options = Markup("").join(
        option.format(value, item_id, value, Markup(" checked") if value == "not-started" else "", text) for value, text in STATUSES
    )
    return Markup(
        '<fieldset class="kb-status" aria-describedby="text-{}"><legend class="kb-visually-hidden">{}</legend>{}</fieldset>'
    ).format(item_id, label, options)


_CHECKLIST_TOOLS = Markup(
    # The tools need JavaScript; the page script un-hides them, so without it none is shown broken.
    '<div class="kb-checklist-tools" hidden>\n'
    '<p><label for="kb-checklist-partnership">Partnership or place assessed (optional)</label> '
    '<input type="text" id="kb-checklist-partnership" class="kb-checklist-partnership" '
    'autocomplete="organization"></p>\n'
    '<p class="kb-checklist-buttons">'
    '<button type="button" class="kb-checklist-save">Save the assessment as a file</button> '
    '<label class="kb-checklist-load-label" for="kb-checklist-load">Load a saved assessment</label> '
    '<input type="file" id="kb-checklist-load" class="kb-checklist-load" '
    'accept=".json,application/json"> '
    '<button type="button" class="kb-checklist-print">Print</button> '
    '<button type="button" class="kb-checklist-reset">Start again</button></p>\n'
    '<p class="kb-checklist-autosave"><label>'
    '<input type="checkbox" class="kb-checklist-remember" checked> '
    "Keep my answers in this browser between visits</label></p>\n"
    '<p class="kb-checklist-message" role="status"></p>\n'
    '<p class="kb-checklist-summary kb-checklist-summary-all" data-summary-for="all" '
    'aria-live="polite"></p>\n'
    "</div>"
)


def checklist_html(
    kb: KnowledgeBase, frameworks_page: str = "frameworks.html", heading_level: int = 2
) -> Markup:
    """The checklist as a plain list grouped by theme and area, each item with its locator and a status
    control, each area with the case studies that show it done. `data-kb-module` loads checklist.js.
    Themes get headings of `heading_level`, areas the level below."""
    checklist = _checklist(kb)
    cases = checklist_cases(kb)
    cap = names_per_cell([len(rows) for rows in cases.values()])
    names = {item.id: item.name for _, item in framework_items(kb)}
    total = sum(len(a.items) for t in checklist.themes for a in t.areas)
    heading = Markup("<h{0}>{1}</h{0}>")
    summary = Markup('<p class="kb-checklist-summary" data-summary-for="{}" aria-live="polite"></p>')
    out = [
        Markup('<div class="kb-checklist" data-kb-module="checklist" data-checklist-id="{}" data-checklist-items="{}">').format(
            checklist.id, total
        ),
        _CHECKLIST_TOOLS,
    ]
    for theme in checklist.themes:
        out.append(Markup('<section class="kb-checklist-theme" id="theme-{0}" data-theme-id="{0}">').format(theme.id))
        out.append(heading.format(heading_level, theme.name))
        out.append(summary.format(theme.id))
        for area in theme.areas:
            out.append(Markup('<section class="kb-checklist-area" id="area-{0}" data-area-id="{0}">').format(area.id))
            out.append(heading.format(heading_level + 1, area.name))
            out.append(summary.format(area.id))
            out.append(_area_evidence(area.id, area.framework_items, cases[area.id], names, frameworks_page, cap))
            out.append(Markup('<ol class="kb-checklist-items">'))
            for n, item in enumerate(area.items, 1):
                out.append(
                    Markup(
                        '<li class="kb-checklist-item" id="{id}" data-item-id="{id}">'
                        '<p class="kb-checklist-text" id="text-{id}">{text}</p>'
                        '<p class="kb-locator">{locator} · <a href="#evidence-{area}">'
                        "case studies for this area ({count})</a></p>{status}</li>"
                    ).format(
                        id=item.id,
                        text=item.text,
                        locator=item.locator,
                        area=area.id,
                        count=len(cases[area.id]),
                        status=_status_fieldset(item.id, f"Status of {area.name}, item {n}"),
                    )
                )
            out.append(Markup("</ol></section>"))
        out.append(Markup("</section>"))
    out.append(Markup("</div>"))
    return Markup("\n").join(out)


def _area_evidence(area_id, item_ids, rows, names, frameworks_page, cap: int | None = None) -> Markup:
    links = Markup(", ").join(
        Markup('<a href="{}#{}">{}</a>').format(frameworks_page, item_anchor(i), names[i]) for i in item_ids
    )
    parts = [
        Markup('<details class="kb-checklist-evidence" id="evidence-{}">').format(area_id),
        Markup("<summary>Case studies that show this area done ({})</summary>").format(len(rows)),
        Markup("<p>Linked through the framework item{} {}.</p>").format("s" if len(item_ids) != 1 else "", links),
    ]
    if rows:
        parts.append(Markup("<ul>"))
        for row in rows[:cap]:
            outcome = row.key_outcome.labelled() if row.key_outcome else NO_OUTCOME
            via = f" (example: {'; '.join(row.examples)})" if row.examples else ""
            parts.append(Markup("<li>{}{} — {}</li>").format(case_link(row.case_id, row.case_title), via, outcome))
        if cap is not None and len(rows) > cap:
            n_more = len(rows) - cap
            noun = "case study" if n_more == 1 else "case studies"
            parts.append(Markup('<li class="kb-more">And {:,} more {}, {}.</li>').format(n_more, noun, NOT_LISTED))
        parts.append(Markup("</ul>"))
    else:
        parts.append(Markup('<p class="kb-gap"><strong>Evidence gap:</strong> no case study shows this area done yet.</p>'))
    parts.append(Markup("</details>"))
    return Markup("\n").join(parts)
