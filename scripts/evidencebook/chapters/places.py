"""The places chapter: case studies by country, English region and level."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..publish.frames import case_frame
from ..publish.html import render
from ..publish.text import Markup
from ..records.kb import KnowledgeBase
from .charts import (
    MARKS_PER_CHART,
    SOURCE,
    TILE_RANGE,
    catalogue_url,
    facet_filter,
    figure,
    labels,
    link_to_catalogue,
    marks_sentence,
)
from .tables import LISTING_LIMIT, names_html, names_per_cell

NO_REGION = "No single region"
# The case frame's columns the places charts use: the case, its page, place and level.
PLACE_COLUMNS = ["case_id", "case", "url", "place", "country_id", "country", "region_id", "region", "level_id", "level"]

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


def case_places(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per case study with its country, region (or 'No single region') and level: the marks of the places charts."""
    places = case_frame(kb)[PLACE_COLUMNS]
    return places.assign(region=places["region"].fillna(NO_REGION))


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
        link_to_catalogue(kb, counted, filters)
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
    regions = kb.vocab("regions")
    groups = [(t.id, t.label, england[england["region_id"] == t.id]) for t in regions.terms]
    groups.append(("none", f"{NO_REGION} (England-wide)", england[england["region_id"].isna()]))
    sections = []
    for region, label, group in groups:
        if group.empty and region == "several-regions":
            continue
        items = [
            render("case_link.html", url=url, case=case, level=level)
            for case, url, level in sorted(zip(group["case"], group["url"], group["level"], strict=True))
        ]
        if cap is not None:
            # "No single region" has no catalogue filter of its own: England is the nearest.
            where = {"country": "england", **({"region": region} if region in regions.by_id else {})}
            note = "" if "region" in where else " (the catalogue cannot select case studies without a region: it opens at every English one)"
            items = names_html(items, len(items), catalogue_url(where), note, cap=cap)
        sections.append({"anchor": f"region-{region}", "label": label, "count": len(group), "links": items})
    return render("region_lists.html", sections=sections)


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
    squares = base.mark_square(size=8000, stroke="#333", strokeWidth=0.5, cursor="pointer").encode(
        color=alt.Color(
            "case studies:Q", title="Case studies", scale=alt.Scale(domainMin=0, range=TILE_RANGE)
        )
    )
    names = base.mark_text(fontSize=11, lineBreak="|", dy=-10, color="black", cursor="pointer").encode(
        text="label:N"
    )
    counts = base.mark_text(fontSize=15, fontWeight="bold", dy=22, color="black", cursor="pointer").encode(
        text="case studies:Q"
    )
    # Drawn at its own size (static/kbcharts.js): the tiles are fixed squares, which a wider chart would
    # only spread apart; 330 px fits a phone.
    chart = (squares + names + counts).properties(width=330, height=440, usermeta={"kbFixedSize": True})
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
