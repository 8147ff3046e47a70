"""What the evidence shows: the computations behind the synthesis chapters.

Pure functions from the KnowledgeBase to data frames (and, for the gap map, an HTML table), so the
chapters stay a few cells long and every number in them regenerates from the records:

- outcomes: every outcome with its case study's evidence type, level and models (`outcome_frame`)
  and counts over any of them (`outcome_marks`, `kind_summary`);
- the evidence and gap map: themes x outcome domains (`gap_map`, `gap_map_html`);
- evidence strength: cases and outcomes by evidence type (`evidence_profile`, `strength_summary`);
- places: case studies by country, English region and level (`case_places`, `region_tiles`).

Outcomes are never compared or ranked across case studies: the frames count them, list them and
keep their kind (measured, modelled estimate, target, context) beside every figure.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from ..publish.text import Markup
from ..records.kb import KnowledgeBase
from .charts import EVIDENCE_COLOURS, MARKS_PER_CHART, catalogue_url, figure, kind_colours, marks_sentence
from .tables import (
    CASES_EXPORT,
    CASES_URL,
    LISTING_LIMIT,
    OUTCOMES_EXPORT,
    html_table,
    listing_html,
    names_html,
    names_per_cell,
    outcomes_frame,
    too_many_html,
)

# Where a gap in the map invites a contribution, unless the book has its own contributing chapter.
CONTRIBUTE_ISSUE_URL = (
    "https://github.com/place-based-health/evidence-book/issues/new?template=case-study.yml"
)
CONTRIBUTING_CHAPTER = "chapters/contributing.md"
# Outcome kinds that say something about an effect; targets and context figures do not.
EFFECT_KINDS = ("measured", "modelled-estimate")
NO_REGION = "No single region"
SOURCE = "the book's case-study records"
# case_frame's columns; the places charts use its first ten (the case, its page, place and level).
CASE_FRAME_COLUMNS = [
    *("case_id", "case", "url", "place", "country_id", "country", "region_id", "region", "level_id", "level"),
    *("evidence_id", "evidence", "evidence_rank", "appraisal", "models", "themes", "outcomes"),
]
PLACE_COLUMNS = CASE_FRAME_COLUMNS[: CASE_FRAME_COLUMNS.index("level") + 1]
OUTCOMES_FRAME_COLUMNS = ["case_id", "case", "metric", "figure", "kind", "kind_id", "domain", "comparison", "period", "source"]

# A tile grid of the nine English regions (column, row), roughly where each lies: no map data needed.
REGION_TILES = {
    "north-east": (2, 0),
    "north-west": (1, 1),
    "yorkshire-and-the-humber": (2, 1),
    "west-midlands": (1, 2),
    "east-midlands": (2, 2),
    "east-of-england": (3, 2),
    "south-west": (1, 3),
    "south-east": (2, 3),
    "london": (3, 3),
}


# A chart's grouping column -> (the catalogue facet filtering by it, the vocabulary giving its ids).
GROUP_FACETS = {
    "kind": ("kind", "outcome_kinds"),
    "domain": ("domain", "outcome_domains"),
    "evidence": ("evidence", "evidence_types"),
    "level": ("level", "levels"),
    "models": ("model", "models"),
    "country": ("country", "countries"),
    "region": ("region", "regions"),
    "theme": ("theme", "themes"),
}


def facet_filter(kb: KnowledgeBase, values: dict[str, str]) -> dict[str, str]:
    """Grouping column -> label, as catalogue filters (facet key -> id). A label with no vocabulary id
    (NO_REGION) filters nothing."""
    filters = {}
    for column, label in values.items():
        facet, vocabulary = GROUP_FACETS[column]
        ids = {t.label: t.id for t in kb.vocab(vocabulary).terms}
        if label in ids:
            filters[facet] = ids[label]
    return filters


def filter_text(kb: KnowledgeBase, filters: dict[str, str]) -> str:
    """What the filtered catalogue lists, in words: 'case studies with level Place and a measured outcome'."""
    from ..publish.export import FACETS

    names = {f.key: f.label for f in FACETS}
    vocabularies = {facet: vocabulary for facet, vocabulary in GROUP_FACETS.values()}
    parts = [f"{names[k].lower()} {kb.vocab(vocabularies[k]).label(v)}" for k, v in filters.items()]
    return "the catalogue of case studies with " + " and ".join(parts) if parts else "the catalogue"


def case_url(case_id: str) -> str:
    """A case study's page, relative to a chapter page."""
    return f"{CASES_URL}{case_id}.html"


def contribute_url(root: Path) -> str:
    """Where a gap's link sends a contributor: the book's contributing chapter if it has one, else the issue form."""
    return "contributing.html" if (root / CONTRIBUTING_CHAPTER).exists() else CONTRIBUTE_ISSUE_URL


def labels(kb: KnowledgeBase, vocabulary: str) -> list[str]:
    """The labels of a vocabulary in its own order (evidence types: strongest first)."""
    terms = kb.vocab(vocabulary).terms
    if vocabulary == "evidence_types":
        terms = sorted(terms, key=lambda t: t.extra.get("rank", 99))
    return [t.label for t in terms]


def evidence_rank(kb: KnowledgeBase, evidence_type: str) -> int:
    return int(kb.vocab("evidence_types").by_id[evidence_type].extra.get("rank", 99))


# --- cases and outcomes ---------------------------------------------------------------------------


def case_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per case study: ids and labels of its place, level, evidence and models, and its page."""
    v = kb.vocabularies
    rows = []
    for r in kb.records.values():
        rows.append(
            {
                "case_id": r.id,
                "case": r.title,
                "url": case_url(r.id),
                "place": r.place.name,
                "country_id": r.place.country,
                "country": v["countries"].label(r.place.country),
                "region_id": r.place.region,
                "region": v["regions"].label(r.place.region) if r.place.region else NO_REGION,
                "level_id": r.level,
                "level": v["levels"].label(r.level),
                "evidence_id": r.evidence.type,
                "evidence": v["evidence_types"].label(r.evidence.type),
                "evidence_rank": evidence_rank(kb, r.evidence.type),
                "appraisal": r.evidence.appraisal,
                "models": [v["models"].label(m) for m in r.model],
                "themes": [v["themes"].label(t) for t in r.themes],
                "outcomes": len(r.outcomes),
            }
        )
    return pd.DataFrame(rows, columns=CASE_FRAME_COLUMNS)


def outcome_frame(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per outcome, with its kind and domain and its case study's evidence, level and models."""
    frame = outcomes_frame(kb)
    if frame.empty:  # no outcomes at all: keep the columns so every count is simply zero
        frame = pd.DataFrame(columns=OUTCOMES_FRAME_COLUMNS)
    ids = [(o.domain, o.direction or "") for r in kb.records.values() for o in r.outcomes]
    frame["domain_id"] = [d for d, _ in ids]
    frame["direction"] = [d for _, d in ids]
    cases = case_frame(kb).drop(columns=["case", "outcomes", "themes"])
    if frame.empty:
        return pd.DataFrame(columns=[*frame.columns, *[c for c in cases.columns if c != "case_id"]])
    return frame.merge(cases, on="case_id", how="left", validate="many_to_one")


def outcome_marks(outcomes: pd.DataFrame, group: str) -> pd.DataFrame:
    """One row per (group value, kind, case study): how many of that case's outcomes fall there.

    Each row is one mark of a stacked bar chart, so every mark belongs to one case study and links
    to it. A list-valued `group` (models) counts an outcome once under each of its values.
    """
    frame = (
        outcomes.explode(group) if len(outcomes) and isinstance(outcomes[group].iloc[0], list) else outcomes
    )
    keys = list(dict.fromkeys([group, "kind", "kind_id", "case", "url"]))
    marks = frame.groupby(keys, sort=False).size().rename("outcomes").reset_index()
    return marks.sort_values([group, "kind_id", "case"], kind="stable").reset_index(drop=True)


def grouped_outcome_marks(kb: KnowledgeBase, outcomes: pd.DataFrame, group: str) -> pd.DataFrame:
    """One row per (group value, kind): its outcomes and case studies, linked to the catalogue filtered to
    both. The marks of a chart with too many case studies to draw one by one (MARKS_PER_CHART)."""
    frame = (
        outcomes.explode(group) if len(outcomes) and isinstance(outcomes[group].iloc[0], list) else outcomes
    )
    keys = list(dict.fromkeys([group, "kind", "kind_id"]))
    marks = (
        frame.groupby(keys, sort=False)
        .agg(outcomes=("case_id", "size"), **{"case studies": ("case_id", "nunique")})
        .reset_index()
    )
    filters = [facet_filter(kb, {group: g, "kind": k}) for g, k in zip(marks[group], marks["kind"], strict=True)]
    marks["url"] = [catalogue_url(f) for f in filters]
    marks["opens"] = [filter_text(kb, f) for f in filters]
    return marks.sort_values([group, "kind_id"], kind="stable").reset_index(drop=True)


def kind_summary(kb: KnowledgeBase, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per outcome kind, in vocabulary order: its definition, outcomes and case studies reporting one."""
    rows = []
    for term in kb.vocab("outcome_kinds").terms:
        of_kind = outcomes[outcomes["kind_id"] == term.id] if len(outcomes) else outcomes
        rows.append(
            {
                "kind": term.label,
                "kind_id": term.id,
                "definition": term.definition,
                "outcomes": len(of_kind),
                "case studies": of_kind["case_id"].nunique() if len(of_kind) else 0,
            }
        )
    return pd.DataFrame(rows)


def outcome_listing(kb: KnowledgeBase, outcomes: pd.DataFrame, kind_id: str) -> pd.DataFrame:
    """The outcomes of one kind, by domain then case study: listed, never ranked by value."""
    domains = kb.vocab("outcome_domains").ids()
    listing = outcomes[outcomes["kind_id"] == kind_id].copy() if len(outcomes) else outcomes.copy()
    listing["_domain_order"] = listing["domain_id"].map(domains.index) if len(listing) else []
    listing = listing.sort_values(["_domain_order", "case", "metric"], kind="stable").drop(
        columns="_domain_order"
    )
    listing["figure"] = [
        f if not d else f"{f} ({d})" for f, d in zip(listing["figure"], listing["direction"], strict=True)
    ]
    return listing.reset_index(drop=True)


OUTCOME_COLUMNS = {
    "domain": "Domain",
    "case": "Case study",
    "metric": "Measure",
    "figure": "Figure",
    "comparison": "Compared with",
    "period": "Period",
    "source": "Source",
}


def _kind_counts_by_domain(kb: KnowledgeBase, listing: pd.DataFrame, kind_id: str) -> str:
    """Stands in for one kind's table when the book has more than LISTING_LIMIT outcomes."""
    rows = []
    for domain in kb.vocab("outcome_domains").terms:
        in_domain = listing[listing["domain_id"] == domain.id]
        if len(in_domain):
            href = catalogue_url({"kind": kind_id, "domain": domain.id})
            rows.append((domain.label, len(in_domain), in_domain["case_id"].nunique(), href))
    return too_many_html(
        len(listing), "outcomes", rows, "Outcome domain", catalogue_url({"kind": kind_id}), OUTCOMES_EXPORT
    )


def outcome_tables_html(kb: KnowledgeBase, outcomes: pd.DataFrame, limit: int = LISTING_LIMIT) -> Markup:
    """One table per outcome kind, each in its own marked section, so no estimate sits among results.
    Above `limit` outcomes in all, each kind's table gives way to its counts by domain and links."""
    parts = []
    listed = len(outcomes) <= limit
    terms = kb.vocab("outcome_kinds").terms
    for term, colour in zip(terms, kind_colours([t.id for t in terms]), strict=True):
        listing = outcome_listing(kb, outcomes, term.id)
        heading = f"{term.label}: {len(listing)} outcome{'s' if len(listing) != 1 else ''}"
        if not len(listing):
            table = Markup("<p>None yet.</p>")
        elif listed:
            table = html_table(listing, OUTCOME_COLUMNS, link=("case", "case_id"), caption=heading)
        else:
            table = _kind_counts_by_domain(kb, listing, term.id)
        parts.append(
            Markup(
                '<section class="kb-kind-block kb-kind-{id}" style="--kb-kind-colour:{colour}" aria-labelledby="outcomes-{id}">'
                '<h3 id="outcomes-{id}"><span class="outcome-kind kind-{id}">{label}</span> {count}</h3><p>{definition}</p>'
                "{table}</section>"
            ).format(
                id=term.id,
                colour=colour,
                label=term.label,
                count=f"{len(listing)} outcome{'s' if len(listing) != 1 else ''}",
                definition=term.definition,
                table=table,
            )
        )
    return Markup("\n").join(parts)


def kind_chart(
    kb: KnowledgeBase,
    outcomes: pd.DataFrame,
    group: str,
    title: str,
    order: list[str],
    name: str,
    description: str,
):
    """A stacked bar chart of outcomes per `group`, coloured by kind. Each segment is one case study,
    linked to its page, unless that needs more than MARKS_PER_CHART segments: then each segment is a
    group's outcomes of one kind, linked to the catalogue filtered to them. The description says which."""
    marks = outcome_marks(outcomes, group)
    per_case = len(marks) <= MARKS_PER_CHART
    if per_case:
        tooltip = [alt.Tooltip("case:N", title="Case study")]
    else:
        marks = grouped_outcome_marks(kb, outcomes, group)
        tooltip = [alt.Tooltip("case studies:Q", title="Case studies"), alt.Tooltip("opens:N", title="Opens")]
    kinds = kb.vocab("outcome_kinds")
    chart = (
        alt.Chart(marks)
        .mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("sum(outcomes):Q", title="Outcomes", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(f"{group}:N", sort=order, title=title, scale=alt.Scale(domain=order)),
            color=alt.Color(
                "kind:N",
                title="Kind of figure",
                scale=alt.Scale(
                    domain=[t.label for t in kinds.terms], range=kind_colours([t.id for t in kinds.terms])
                ),
            ),
            order=alt.Order("kind_id:N"),
            href=alt.Href("url:N"),
            tooltip=[
                *tooltip[:1],
                alt.Tooltip(f"{group}:N", title=title),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("outcomes:Q", title="Outcomes"),
                *tooltip[1:],
            ],
        )
        .properties(width=480)
    )
    description = f"{description} {marks_sentence(per_case)}"
    return figure(chart, data=marks, name=name, description=description, source=SOURCE)


# --- the evidence and gap map ---------------------------------------------------------------------


def gap_map(kb: KnowledgeBase, kinds: tuple[str, ...] = EFFECT_KINDS) -> pd.DataFrame:
    """Every theme x outcome domain cell, gaps included: the case studies with a theme reporting an
    outcome of one of `kinds` in the domain, strongest evidence first, and the strongest evidence type."""
    v = kb.vocabularies
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for r in kb.records.values():
        for o in r.outcomes:
            if o.kind in kinds:
                for theme in r.themes:
                    found.setdefault((theme, o.domain), {}).setdefault(r.id, set()).add(o.kind)
    rows = []
    for theme in v["themes"].terms:
        for domain in v["outcome_domains"].terms:
            cases = found.get((theme.id, domain.id), {})
            ordered = sorted(
                cases, key=lambda c: (evidence_rank(kb, kb.records[c].evidence.type), kb.records[c].title)
            )
            strongest = kb.records[ordered[0]].evidence.type if ordered else ""
            rows.append(
                {
                    "theme_id": theme.id,
                    "theme": theme.label,
                    "domain_id": domain.id,
                    "domain": domain.label,
                    "case_ids": ordered,
                    "case studies": len(ordered),
                    "modelled_only": [c for c in ordered if cases[c] == {"modelled-estimate"}],
                    "strongest_id": strongest,
                    "strongest evidence": v["evidence_types"].label(strongest) if strongest else "",
                    "anchor": f"egm-{theme.id}--{domain.id}",
                }
            )
    return pd.DataFrame(rows)


def gap_map_html(kb: KnowledgeBase, cells: pd.DataFrame, contribute_href: str, limit: int = LISTING_LIMIT) -> Markup:
    """The gap map as an HTML table: a row per theme, a column per domain; each filled cell lists its
    case studies (linked, marked with their evidence type; above `limit` names in all, the first few,
    then "and N more" linking to the catalogue), each empty cell invites a contribution."""
    cap = names_per_cell(list(cells["case studies"]), limit)
    v = kb.vocabularies
    domains = v["outcome_domains"].terms
    th = Markup('<th scope="col">{}</th>')
    head = th.format("Theme") + Markup("").join(th.format(d.label) for d in domains)
    body = []
    for theme in v["themes"].terms:
        row = cells[cells["theme_id"] == theme.id].set_index("domain_id")
        tds = []
        for d in domains:
            cell = row.loc[d.id]
            where = f"{theme.label} and {d.label}"
            if cell["case studies"] == 0:
                tds.append(
                    Markup(
                        '<td class="kb-egm-gap" id="{}">Gap <a href="{}">add a case study'
                        '<span class="kb-visually-hidden"> on {}</span></a></td>'
                    ).format(cell["anchor"], contribute_href, where)
                )
                continue
            items = []
            for case_id in cell["case_ids"][:cap]:
                r = kb.records[case_id]
                etype = r.evidence.type
                modelled = Markup(' <span class="kb-egm-modelled">(modelled only)</span>') if case_id in cell["modelled_only"] else ""
                items.append(
                    Markup(
                        '<li><span class="kb-egm-dot" style="background:{}" aria-hidden="true"></span>'
                        '<span class="kb-visually-hidden">{}: </span><a href="{}">{}</a>{}</li>'
                    ).format(EVIDENCE_COLOURS.get(etype, "#777"), v["evidence_types"].label(etype), case_url(case_id), r.title, modelled)
                )
            count = cell["case studies"]
            if count > len(items):
                # The catalogue filters per case study: this theme and any outcome in this domain.
                more = catalogue_url({"theme": theme.id, "domain": d.id})
                items.append(
                    Markup(
                        '<li class="kb-more">{} (the catalogue lists the case studies with this theme and any outcome in this domain)</li>'
                    ).format(names_html([], count - len(items), more)[0])
                )
            size = 0.9 + 0.35 * min(count, 10)  # em: bubble area grows with the count, capped
            tds.append(
                Markup(
                    '<td class="kb-egm-cell" id="{anchor}"><details><summary>'
                    '<span class="kb-egm-bubble" style="background:{colour};width:{size:.2f}em;height:{size:.2f}em" aria-hidden="true"></span>'
                    '{count} <span class="kb-visually-hidden">case {noun} on {where}; strongest evidence: </span>'
                    '<span class="kb-egm-strongest">{strongest}</span></summary>'
                    "<ul>{items}</ul></details></td>"
                ).format(
                    anchor=cell["anchor"],
                    colour=EVIDENCE_COLOURS.get(cell["strongest_id"], "#777"),
                    size=size,
                    count=count,
                    noun="study" if count == 1 else "studies",
                    where=where,
                    strongest=cell["strongest evidence"],
                    items=Markup("").join(items),
                )
            )
        body.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(theme.label, Markup("").join(tds)))
    filled = int((cells["case studies"] > 0).sum())
    caption = (
        f"Evidence and gap map: {len(v['themes'].terms)} themes by {len(domains)} outcome domains. "
        f"{filled} of {len(cells)} cells hold at least one case study; open a cell to see them."
    )
    return Markup(
        '<div class="kb-egm-wrap"><table class="kb-table kb-egm"><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>"
    ).format(caption, head, Markup("").join(body))


def gap_map_chart(kb: KnowledgeBase, cells: pd.DataFrame):
    """Bubbles over the theme x domain grid: size = case studies, colour = strongest evidence type.
    Each bubble links to its cell of the table, which lists the case studies."""
    filled = cells[cells["case studies"] > 0].copy()
    filled["href"] = "#" + filled["anchor"]
    data = filled[["theme", "domain", "case studies", "strongest evidence", "href"]].reset_index(drop=True)
    types = [t for t in kb.vocab("evidence_types").terms]
    types.sort(key=lambda t: t.extra.get("rank", 99))
    chart = (
        alt.Chart(data)
        .mark_circle(opacity=0.9, stroke="#333", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X(
                "domain:N",
                title="Outcome domain",
                sort=labels(kb, "outcome_domains"),
                scale=alt.Scale(domain=labels(kb, "outcome_domains")),
                axis=alt.Axis(labelAngle=-40, grid=True),
            ),
            y=alt.Y(
                "theme:N",
                title="Theme",
                sort=labels(kb, "themes"),
                scale=alt.Scale(domain=labels(kb, "themes")),
                axis=alt.Axis(grid=True),
            ),
            size=alt.Size(
                "case studies:Q",
                title="Case studies",
                scale=alt.Scale(zero=False, range=[40, 600]),
                legend=alt.Legend(tickMinStep=1),
            ),
            color=alt.Color(
                "strongest evidence:N",
                title="Strongest evidence",
                scale=alt.Scale(
                    domain=[t.label for t in types], range=[EVIDENCE_COLOURS.get(t.id, "#777") for t in types]
                ),
            ),
            href=alt.Href("href:N"),
            tooltip=["theme", "domain", "case studies", "strongest evidence"],
        )
        .properties(width=420)
    )
    gaps = int((cells["case studies"] == 0).sum())
    description = (
        f"Bubble chart of the evidence and gap map: themes down, outcome domains across; a bubble's size is the number "
        f"of case studies reporting a measured or modelled result there and its colour the strongest evidence type among them. "
        f"{gaps} of {len(cells)} cells are empty."
    )
    return figure(chart, data=data, name="evidence-gap-map", description=description, source=SOURCE)


def gap_totals(kb: KnowledgeBase, cells: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per theme (by="theme") or domain (by="domain"), in vocabulary order: distinct case studies and cells filled."""
    rows = []
    for label, group in cells.groupby(by, sort=False):
        ids = {c for ids in group["case_ids"] for c in ids}
        rows.append(
            {
                by: label,
                "case studies": len(ids),
                "cells with evidence": int((group["case studies"] > 0).sum()),
                "gaps": int((group["case studies"] == 0).sum()),
            }
        )
    return pd.DataFrame(rows)


# --- evidence strength ----------------------------------------------------------------------------


def evidence_profile(kb: KnowledgeBase) -> pd.DataFrame:
    """Per evidence type, strongest first: its definition, the case studies resting on it and their
    outcomes by kind."""
    cases = case_frame(kb)
    outcomes = outcome_frame(kb)
    kinds = kb.vocab("outcome_kinds").terms
    total = len(cases)
    rows = []
    for term in sorted(kb.vocab("evidence_types").terms, key=lambda t: t.extra.get("rank", 99)):
        n = int((cases["evidence_id"] == term.id).sum()) if total else 0
        row = {
            "rank": term.extra.get("rank"),
            "evidence type": term.label,
            "evidence_id": term.id,
            "definition": term.definition,
            "case studies": n,
            "share of case studies": f"{100 * n / total:.0f}%" if total else "–",
        }
        of_type = outcomes[outcomes["evidence_id"] == term.id] if len(outcomes) else outcomes
        row["outcomes"] = len(of_type)
        for kind in kinds:
            row[kind.label] = int((of_type["kind_id"] == kind.id).sum()) if len(of_type) else 0
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_chart(kb: KnowledgeBase):
    """Case studies by evidence type, strongest first; each segment is one case study, linked to its page
    (above MARKS_PER_CHART case studies, one bar per type, linked to the catalogue filtered to it)."""
    cases = case_frame(kb)
    types = sorted(kb.vocab("evidence_types").terms, key=lambda t: t.extra.get("rank", 99))
    order = [t.label for t in types]
    per_case = len(cases) <= MARKS_PER_CHART
    if per_case:
        data = cases.assign(**{"case studies": 1})[["evidence", "case", "url", "case studies"]].reset_index(
            drop=True
        )
        tooltip = [alt.Tooltip("case:N", title="Case study"), alt.Tooltip("evidence:N", title="Evidence")]
    else:
        data = cases.groupby("evidence", sort=False).size().rename("case studies").reset_index()
        filters = [facet_filter(kb, {"evidence": e}) for e in data["evidence"]]
        data["url"] = [catalogue_url(f) for f in filters]
        data["opens"] = [filter_text(kb, f) for f in filters]
        tooltip = [
            alt.Tooltip("evidence:N", title="Evidence"),
            alt.Tooltip("case studies:Q", title="Case studies"),
            alt.Tooltip("opens:N", title="Opens"),
        ]
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("sum(case studies):Q", title="Case studies", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(
                "evidence:N",
                title="Evidence type (strongest first)",
                sort=order,
                scale=alt.Scale(domain=order),
            ),
            color=alt.Color(
                "evidence:N",
                legend=None,
                scale=alt.Scale(domain=order, range=[EVIDENCE_COLOURS.get(t.id, "#777") for t in types]),
            ),
            href=alt.Href("url:N"),
            tooltip=tooltip,
        )
        .properties(width=480)
    )
    counts = "; ".join(f"{label} {int((cases['evidence'] == label).sum())}" for label in order)
    description = (
        f"Bar chart of the {len(cases)} case studies by the strongest evidence their sources report, strongest first: "
        f"{counts}. {marks_sentence(per_case, 'case study')}"
    )
    return figure(
        chart, data=data, name="case-studies-by-evidence-type", description=description, source=SOURCE
    )


def strength_summary(kb: KnowledgeBase) -> dict[str, int]:
    """The headline counts for the evidence-strength chapter."""
    cases = case_frame(kb)
    outcomes = outcome_frame(kb)
    ranks = {t.id: int(t.extra.get("rank", 99)) for t in kb.vocab("evidence_types").terms}
    comparison_rank = ranks.get("controlled-comparison", 3)
    measured = outcomes[outcomes["kind_id"] == "measured"] if len(outcomes) else outcomes
    return {
        "cases": len(cases),
        "with_comparison": int((cases["evidence_rank"] <= comparison_rank).sum()) if len(cases) else 0,
        "descriptive": int((cases["evidence_id"] == "descriptive").sum()) if len(cases) else 0,
        "modelled": int((cases["evidence_id"] == "modelled-estimate").sum()) if len(cases) else 0,
        "without_outcomes": int((cases["outcomes"] == 0).sum()) if len(cases) else 0,
        "outcomes": len(outcomes),
        "measured": len(measured),
        "measured_with_comparison": int((measured["evidence_rank"] <= comparison_rank).sum())
        if len(measured)
        else 0,
    }


STRONGEST_COLUMNS = {
    "case": "Case study",
    "evidence": "Evidence",
    "place": "Place",
    "appraisal": "What the evidence can show",
}


def strongest_cases_html(kb: KnowledgeBase, strong: pd.DataFrame, limit: int = LISTING_LIMIT) -> str:
    """The strongest case studies as a table, or above `limit` their counts by evidence type and links."""
    return listing_html(
        strong,
        STRONGEST_COLUMNS,
        link=("case", "case_id"),
        caption=f"{len(strong)} case studies with a comparison group or trial",
        noun="case studies",
        by=("evidence", "evidence_id", "evidence", "Evidence type"),
        export=CASES_EXPORT,
        limit=limit,
    )


def strongest_cases(kb: KnowledgeBase, worst_rank: int | None = None) -> pd.DataFrame:
    """Case studies whose evidence is a comparison or stronger (rank <= controlled comparison), with the appraisal."""
    if worst_rank is None:
        worst_rank = evidence_rank(kb, "controlled-comparison")
    cases = case_frame(kb)
    strong = cases[cases["evidence_rank"] <= worst_rank] if len(cases) else cases
    return strong.sort_values(["evidence_rank", "case"], kind="stable").reset_index(drop=True)


# --- places ---------------------------------------------------------------------------------------


def case_places(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per case study with its country, region (or 'No single region') and level: the marks of the places charts."""
    return case_frame(kb)[PLACE_COLUMNS]


def count_table(
    frame: pd.DataFrame, row: str, column: str, row_order: list[str], column_order: list[str]
) -> pd.DataFrame:
    """Case studies per row value x column value, every combination kept (zeros included), with totals."""
    table = pd.crosstab(frame[row], frame[column]) if len(frame) else pd.DataFrame()
    table = table.reindex(index=row_order, columns=column_order, fill_value=0).fillna(0).astype(int)
    table["Total"] = table.sum(axis=1)
    table.index.name = row
    table.columns.name = None
    return table.reset_index()


def region_tiles(kb: KnowledgeBase) -> pd.DataFrame:
    """The nine English regions as tiles of a grid, with the number of case studies in each."""
    places = case_places(kb)
    england = places[places["country_id"] == "england"]
    rows = []
    for region_id, (col, row) in REGION_TILES.items():
        rows.append(
            {
                "region": kb.vocab("regions").label(region_id),
                "region_id": region_id,
                "column": col,
                "row": row,
                "case studies": int((england["region_id"] == region_id).sum()),
                "href": f"#region-{region_id}",
            }
        )
    return pd.DataFrame(rows)


def places_chart(
    kb: KnowledgeBase,
    marks: pd.DataFrame,
    group: str,
    title: str,
    order: list[str],
    name: str,
    description: str,
):
    """A stacked bar chart of case studies per `group`, coloured by level; each segment is one case study,
    linked to its page (above MARKS_PER_CHART case studies, one segment per group and level, linked to
    the catalogue filtered to them). The description says which."""
    levels = labels(kb, "levels")
    per_case = len(marks) <= MARKS_PER_CHART
    if per_case:
        marks = marks.assign(**{"case studies": 1, "level_order": marks["level"].map(levels.index)})
        marks = marks[[group, "level", "level_order", "case", "place", "url", "case studies"]].reset_index(
            drop=True
        )
        tooltip = [
            alt.Tooltip("case:N", title="Case study"),
            alt.Tooltip("place:N", title="Place"),
            alt.Tooltip(f"{group}:N", title=title),
            alt.Tooltip("level:N", title="Level"),
        ]
    else:
        counted = marks.groupby([group, "level"], sort=False).size().rename("case studies").reset_index()
        counted["level_order"] = counted["level"].map(levels.index)
        # Case studies in one region are all in England: say so in the filter too.
        countries = marks.groupby(group)["country"].agg(lambda c: c.iloc[0] if c.nunique() == 1 else None)
        filters = []
        for value, level in zip(counted[group], counted["level"], strict=True):
            where = {"country": countries[value]} if group != "country" and countries[value] else {}
            filters.append(facet_filter(kb, {**where, group: value, "level": level}))
        counted["url"] = [catalogue_url(f) for f in filters]
        counted["opens"] = [filter_text(kb, f) for f in filters]
        marks = counted.sort_values([group, "level_order"], kind="stable").reset_index(drop=True)
        tooltip = [
            alt.Tooltip(f"{group}:N", title=title),
            alt.Tooltip("level:N", title="Level"),
            alt.Tooltip("case studies:Q", title="Case studies"),
            alt.Tooltip("opens:N", title="Opens"),
        ]
    chart = (
        alt.Chart(marks)
        .mark_bar(stroke="white", strokeWidth=0.5, cursor="pointer")
        .encode(
            x=alt.X("sum(case studies):Q", title="Case studies", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(f"{group}:N", sort=order, title=title, scale=alt.Scale(domain=order)),
            color=alt.Color("level:N", title="Level", sort=levels, scale=alt.Scale(domain=levels)),
            order=alt.Order("level_order:Q"),
            href=alt.Href("url:N"),
            tooltip=tooltip,
        )
        .properties(width=480)
    )
    description = f"{description} {marks_sentence(per_case, 'case study')}"
    return figure(chart, data=marks, name=name, description=description, source=SOURCE)


def region_lists_html(kb: KnowledgeBase, limit: int = LISTING_LIMIT) -> Markup:
    """The English case studies listed under their region (the targets of the tile map's links). Above
    `limit` English case studies, each region names its first few (names_per_cell), then "and N more"
    linking to the catalogue filtered to the region."""
    places = case_places(kb)
    england = places[places["country_id"] == "england"]
    cap = names_per_cell([len(england)], limit)
    groups = [
        (f"region-{t.id}", t.label, england[england["region_id"] == t.id]) for t in kb.vocab("regions").terms
    ]
    groups.append(("region-none", f"{NO_REGION} (England-wide)", england[england["region_id"].isna()]))
    parts = []
    for anchor, label, group in groups:
        if group.empty and anchor == "region-several-regions":
            continue
        link = Markup('<a href="{}">{}</a> <span class="kb-muted">({})</span>')
        links = [
            link.format(url, case, level)
            for case, url, level in sorted(zip(group["case"], group["url"], group["level"], strict=True))
        ]
        if cap is not None:
            region = anchor.removeprefix("region-")
            # "No single region" has no catalogue filter of its own: England is the nearest.
            where = {"country": "england", **({"region": region} if region in kb.vocab("regions").by_id else {})}
            note = "" if "region" in where else " (the catalogue cannot select case studies without a region: it opens at every English one)"
            links = names_html(links, len(links), catalogue_url(where), note, cap=cap)
        items = Markup("").join(Markup("<li>{}</li>").format(link) for link in links)
        parts.append(
            Markup('<section class="kb-region-list" id="{}"><h3>{}: {}</h3>{}</section>').format(
                anchor, label, len(group), Markup("<ul>{}</ul>").format(items) if items else Markup("<p>No case study yet.</p>")
            )
        )
    return Markup("\n").join(parts)


def _two_lines(label: str) -> str:
    """'Yorkshire and the Humber' -> 'Yorkshire and|the Humber': a tile label broken near its middle."""
    words = label.split()
    if len(words) < 2:
        return label
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:cut]) + "|" + " ".join(words[cut:])


def region_tile_map(kb: KnowledgeBase):
    """A tile map of England's nine regions shaded by case studies; each tile links to its list below."""
    tiles = region_tiles(kb)
    data = tiles.assign(label=tiles["region"].map(_two_lines))
    base = alt.Chart(data).encode(
        x=alt.X("column:O", axis=None),
        y=alt.Y("row:O", axis=None),
        href=alt.Href("href:N"),
        tooltip=["region", "case studies"],
    )
    # A light range keeps black labels readable on every tile.
    squares = base.mark_square(size=8000, stroke="#333", strokeWidth=0.5, cursor="pointer").encode(
        color=alt.Color(
            "case studies:Q", title="Case studies", scale=alt.Scale(domainMin=0, range=["#f7fbff", "#6baed6"])
        )
    )
    names = base.mark_text(fontSize=11, lineBreak="|", dy=-10, color="black", cursor="pointer").encode(
        text="label:N"
    )
    counts = base.mark_text(fontSize=15, fontWeight="bold", dy=22, color="black", cursor="pointer").encode(
        text="case studies:Q"
    )
    chart = (squares + names + counts).properties(width=330, height=440)
    description = (
        "Tile map of the nine English regions, laid out roughly as they lie (not to scale), each shaded by the number of "
        "case studies there: "
        + "; ".join(f"{region} {n}" for region, n in zip(tiles["region"], tiles["case studies"], strict=True))
        + "."
    )
    return figure(
        chart,
        data=tiles[["region", "case studies", "column", "row"]],
        name="case-studies-region-tiles",
        description=description,
        source=SOURCE,
    )
