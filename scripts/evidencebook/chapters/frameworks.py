"""The source documents' frameworks linked to the evidence, and the integration checklist as a page.

A case study (or one of its examples) illustrates a framework item when its record lists the item's
id in `illustrates`. From that one link this module derives, for the chapters:

- for each item, the case studies illustrating it, each with its key outcome; an item no case
  study illustrates is an evidence gap;
- where the documents agree: frameworks (and items) of different documents illustrated by the
  same case studies;
- for each area of the integration checklist, the case studies showing it done, through the
  framework items the area names in `framework_items` (data/integration-checklist.yml).

The pages themselves are written by frameworks_page.py and checklist_page.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from ..publish.text import format_figure
from ..records.kb import KnowledgeBase
from ..records.reference_schema import Checklist, Framework, FrameworkItem
from ..records.schema import CaseStudy, Outcome

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
    examples: tuple[str, ...]  # titles of the examples that illustrate it; empty when the record as a whole does
    key_outcome: KeyOutcome | None


def outcome_text(outcome: Outcome) -> str:
    figure = format_figure(outcome.value, outcome.value_max, outcome.unit, outcome.scale, outcome.qualifier)
    text = f"{outcome.metric}: {figure}" if figure else f"{outcome.metric} (no figure given)"
    return text + (f" ({outcome.direction})" if figure and outcome.direction else "")


def key_outcome(kb: KnowledgeBase, record: CaseStudy) -> KeyOutcome | None:
    """The figure that best sums up a case study: its first measured outcome (measured outcomes have a
    number), else its first change reported without one, else its first outcome with a number, else its first outcome."""
    if not record.outcomes:
        return None
    with_value = [o for o in record.outcomes if o.value is not None]
    measured = [o for o in record.outcomes if o.kind == "measured" and o.value is not None]
    reported = [o for o in record.outcomes if o.kind == "reported-change"]
    for candidates in (measured, reported, with_value, record.outcomes):
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


# --- the integration checklist ------------------------------------------------------------------------


def checklist(kb: KnowledgeBase) -> Checklist:
    if kb.checklist is None:
        raise ValueError("data/integration-checklist.yml is missing: restore it to build the checklist pages")
    return kb.checklist


def checklist_cases(kb: KnowledgeBase) -> dict[str, list[Illustration]]:
    """Checklist area id -> every case study showing the area done, through the framework items the
    area names, by title. A case study reached through two of them is listed once."""
    found = illustrations(kb)
    out = {}
    for theme in checklist(kb).themes:
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
        for theme in checklist(kb).themes
        for area in theme.areas
    ]
    return pd.DataFrame(rows)
