"""Charts for the chapters: altair specs rendered without any CDN.

`figure(chart, data=..., name=..., description=..., source=...)` returns an object the notebook
displays as HTML: a <figure> holding the Vega-Lite spec in a data attribute (drawn in the browser
by the book's own vendored Vega bundle and static/kbcharts.js), a static SVG of the same chart for
readers without JavaScript, a caption with the description and source, the data as a CSV download,
and the data as a table. No inline script and no request to another host.

The CSV download is a file: the notebook's output carries the CSV (base64, in the link's
data-kb-csv attribute) because a chapter's kernel does not know where the site is written, and the
build (sphinx/chartdata.py) writes it to data/charts/<name>.csv and links the file instead, so no
page carries the data twice.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import altair as alt
import pandas as pd

from ..publish.html import render
from ..publish.text import Markup, neutralised_csv

# The book's one palette. Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#999999"
# Outcome kinds: measured blue, a change reported without a number light blue (observed, but by how much
# is not known), modelled orange (calculated, not observed), targets green, context grey.
KIND_COLOURS = {"measured": PALETTE[0], "reported-change": PALETTE[5], "modelled-estimate": PALETTE[1], "target": PALETTE[2], "context": GREY}
# Evidence types: blues from strongest to weakest observed design, the modelled-estimate orange of
# KIND_COLOURS, then qualitative (a palette pink) and descriptive accounts (a light grey).
EVIDENCE_COLOURS = {
    "systematic-review": "#08306B",
    "randomised-trial": "#08519C",
    "controlled-comparison": "#2171B5",
    "before-and-after": "#6BAED6",
    "modelled-estimate": KIND_COLOURS["modelled-estimate"],
    "qualitative": PALETTE[4],
    "descriptive": "#BBBBBB",
}
UNKNOWN_EVIDENCE_COLOUR = "#777"
# Region tiles: a light range, so black labels stay readable on every tile.
TILE_RANGE = ["#f7fbff", "#6baed6"]


def kind_colours(kind_ids: list[str]) -> list[str]:
    """The colour of each outcome kind: its own, or (a kind added to the vocabulary) a spare palette colour."""
    spare = [c for c in PALETTE if c not in KIND_COLOURS.values()]
    new = [k for k in kind_ids if k not in KIND_COLOURS]
    return [KIND_COLOURS.get(k) or spare[new.index(k) % len(spare)] for k in kind_ids]


def evidence_colour(evidence_id: str) -> str:
    """The colour of an evidence type (a type added to the vocabulary: a neutral grey)."""
    return EVIDENCE_COLOURS.get(evidence_id, UNKNOWN_EVIDENCE_COLOUR)


def labels(kb, vocabulary: str) -> list[str]:
    """The labels of a vocabulary in its own order (evidence types: by rank, strongest first)."""
    vocab = kb.vocab(vocabulary)
    return [t.label for t in (vocab.ranked() if vocabulary == "evidence_types" else vocab.terms)]


# Scale policy for charts. While a chart needs at most MARKS_PER_CHART marks it draws one per case study,
# each linked to its page. Beyond that the spec, static SVG and data table of one chart pass ~1 MB (and
# altair refuses more than 5,000 rows), so the chart draws one mark per group instead, linked to the
# catalogue filtered to it.
MARKS_PER_CHART = 1000
SOURCE = "the book's case-study records"  # the source line of every chart drawn from them
CATALOGUE_URL = "../cases/index.html"  # from a chapter page; the catalogue reads its filters from the URL


def catalogue_url(filters: dict[str, str] | None = None) -> str:
    """The catalogue filtered by facet (key -> vocabulary id), e.g. {"level": "place"} -> ...?level=place."""
    from ..publish.export import (
        FACETS,  # the catalogue's own list of facets: an unknown key would be ignored there
    )

    keys = {f.key for f in FACETS}
    unknown = sorted(set(filters or {}) - keys)
    if unknown:
        raise ValueError(f"not catalogue facets: {', '.join(unknown)} (see FACETS in export.py)")
    return CATALOGUE_URL + (f"?{urlencode(filters)}" if filters else "")


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


def facet_filter(kb, values: dict[str, str]) -> dict[str, str]:
    """Grouping column -> label, as catalogue filters (facet key -> id). A label with no vocabulary id
    (places.NO_REGION) filters nothing."""
    filters = {}
    for column, label in values.items():
        facet, vocabulary = GROUP_FACETS[column]
        ids = {t.label: t.id for t in kb.vocab(vocabulary).terms}
        if label in ids:
            filters[facet] = ids[label]
    return filters


def filter_text(kb, filters: dict[str, str]) -> str:
    """What the filtered catalogue lists, in words: 'case studies with level Place and a measured outcome'."""
    from ..publish.export import FACETS

    names = {f.key: f.label for f in FACETS}
    vocabularies = {facet: vocabulary for facet, vocabulary in GROUP_FACETS.values()}
    parts = [f"{names[k].lower()} {kb.vocab(vocabularies[k]).label(v)}" for k, v in filters.items()]
    return "the catalogue of case studies with " + " and ".join(parts) if parts else "the catalogue"


def link_to_catalogue(kb, marks, filters: list[dict]) -> None:
    """Each row of `marks` (one chart mark) opens the catalogue under its filter: its `url`, and what
    that shows, in words, for the tooltip (`opens`)."""
    marks["url"] = [catalogue_url(f) for f in filters]
    marks["opens"] = [filter_text(kb, f) for f in filters]


def marks_sentence(per_case: bool, unit: str = "case study's outcomes") -> str:
    """What one bar segment is and where it leads, for a chart's description."""
    if per_case:
        return f"Each segment is one {unit}; select it to open the case study's page."
    return (
        f"There are too many case studies to draw one by one (more than {MARKS_PER_CHART:,} segments), so each "
        "segment counts a group; select it to open the catalogue filtered to its case studies."
    )


@alt.theme.register("evidencebook", enable=True)
def theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "range": {"category": PALETTE},
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
            "view": {"stroke": None},
            "mark": {"color": PALETTE[0]},
            "bar": {"color": PALETTE[0]},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 260},
            "legend": {"labelFontSize": 12, "titleFontSize": 12},
            "header": {"labelFontSize": 12, "titleFontSize": 12},
            # Text and lines on the page background take the page's text colour; static/kbcharts.js
            # sets the dark theme's when the page is dark (a mark with its own colour keeps it).
            "text": {"color": "#222"},
            "rule": {"color": "#000"},
        }
    }


@dataclass
class Figure:
    spec: dict
    data: pd.DataFrame
    name: str
    description: str
    source: str
    svg: str

    def _repr_html_(self) -> str:
        csv_bytes = neutralised_csv(self.data.to_csv(index=False)).encode("utf-8")  # no cell runs as a formula
        table = self.data.to_html(index=False, border=0, classes="kb-data-table", escape=True)
        return render(
            "figure.html",
            name=self.name,
            description=self.description,
            spec=self.spec,
            svg=Markup(self.svg),  # drawn by vl-convert from the spec, which holds the data as JSON
            source=self.source,
            csv_data=base64.b64encode(csv_bytes).decode("ascii"),
            table=Markup(table),  # pandas escapes every cell (escape=True)
        )


def figure(chart: alt.TopLevelMixin, *, data: pd.DataFrame, name: str, description: str, source: str) -> Figure:
    """Wrap an altair chart for display in a chapter. `data` is the table the chart draws."""
    chart = chart.properties(description=description)
    spec = _nan_to_null(chart.to_dict(validate=True))
    spec.pop("$schema", None)
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json"
    svg = _static_svg(spec)
    return Figure(spec, data.reset_index(drop=True), name, description, source, svg)


def _nan_to_null(value):
    """Missing cells reach the spec as NaN, which JSON.parse rejects (and the chart is then not drawn)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_null(v) for v in value]
    return value


def _static_svg(spec: dict) -> str:
    """The chart as SVG, shown until (or unless) the interactive version is drawn."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    # vl-convert resolves a mark's relative `href` against its default data URL; undo that so the
    # static chart links to the book's own pages, as the drawn chart does.
    svg = svg.replace(f'xlink:href="{_VL_CONVERT_BASE_URL}', 'xlink:href="')
    # Drop the XML prolog; the SVG is inlined into the page.
    svg = svg[svg.find("<svg") :] if "<svg" in svg else svg
    return _lighter_svg(svg)


# What Vega writes for assistive technology on every mark ("Outcomes: 2; Kind: ...; Case study: ..."): half
# a chapter's HTML. The static chart sits in a role="img" container named by the chart's description, and an
# image's children are never read out, so none of it reached anyone.
_MARK_ARIA = re.compile(r' (?:aria-label|aria-roledescription|role)="[^"]*"')
_PATH_DATA = re.compile(r' d="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")  # 6.857142857142857 -> 6.85: a hundredth of a pixel


def _lighter_svg(svg: str) -> str:
    """The static chart without what no reader gets: per-mark labels and 15-digit path coordinates. Its
    links still work with a mouse, out of the tab order (unnamed now; the drawn chart names them)."""
    svg = _MARK_ARIA.sub("", svg)
    svg = _PATH_DATA.sub(lambda m: ' d="' + _LONG_DECIMAL.sub(r"\1", m.group(1)) + '"', svg)
    svg = svg.replace("<a ", '<a tabindex="-1" ')
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


_VL_CONVERT_BASE_URL = "https://vega.github.io/vega-datasets/"
