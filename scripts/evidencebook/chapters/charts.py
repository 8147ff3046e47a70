"""Charts for the chapters: altair specs drawn at build time, with an interactive version on request.

`figure(chart, data=..., name=..., description=..., source=...)` returns an object the notebook
displays as HTML: a <figure> holding the chart as static SVG in two layouts (chartlayout.py: wide for a
computer's column, narrow for a phone's; the page's CSS shows the one that fits and gives it dark
colours on a dark page), the two layouts' Vega-Lite specs (static/kbcharts.js draws the interactive
chart from them when the reader asks, loading the book's own Vega bundle only then), a caption with
the description and source, the data as a CSV download, and the data as a table. No inline script and
no request to another host.

The CSV download and the specs are files: the notebook's output carries them (the CSV as base64 in the
link's data-kb-csv attribute, the specs as a JSON script) because a chapter's kernel does not know where
the site is written, and the build (sphinx/chartdata.py) writes them to data/charts/<name>.csv and
data/charts/<name>.spec.js and links the files instead, so no page carries the data or the specs.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..publish.catalogue import catalogue_url
from ..publish.html import render
from ..publish.text import Markup, neutralised_csv
from .chartlayout import FONT_PX, NARROW_WIDTH, WIDE_WIDTH, fitted, fixed_size
from .drawings import vegalite_svg

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
# Text and lines on the page's background: pydata-sphinx-theme's light colours. On a dark page the
# book's CSS gives the static chart the dark theme's (evidencebook.css, "Charts on a dark page" finds
# them by these values), and kbcharts.js draws the interactive one in the page's own.
TEXT_COLOUR = "#222832"
LINE_COLOUR = "#48566b"
GRID_COLOUR = "#d1d5da"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


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
    from ..publish.catalogue import FACETS

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
    text = {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": FONT_PX, "titleFontSize": FONT_PX}
    return {
        "config": {
            "range": {"category": PALETTE},
            "font": FONT,
            "view": {"stroke": None},
            "mark": {"color": PALETTE[0]},
            "bar": {"color": PALETTE[0]},
            "axis": {**text, "labelLimit": 260, "domainColor": LINE_COLOUR, "tickColor": LINE_COLOUR, "gridColor": GRID_COLOUR},
            "legend": {**text, "symbolFillColor": LINE_COLOUR},  # a size legend's circles
            "header": text,
            "title": {"color": TEXT_COLOUR, "subtitleColor": TEXT_COLOUR},
            # A mark with a colour of its own keeps it on a dark page; these take the page's text colour.
            "text": {"color": TEXT_COLOUR},
            "rule": {"color": TEXT_COLOUR},
        }
    }


@dataclass
class Figure:
    specs: dict  # layout name ("wide", "narrow") -> the Vega-Lite spec laid out for it
    data: pd.DataFrame
    name: str
    description: str
    source: str
    svgs: dict  # layout name -> the static SVG of that layout

    def _repr_html_(self) -> str:
        csv_bytes = neutralised_csv(self.data.to_csv(index=False)).encode("utf-8")  # no cell runs as a formula
        table = self.data.to_html(index=False, border=0, classes="kb-data-table", escape=True)
        return render(
            "figure.html",
            name=self.name,
            description=self.description,
            specs=self.specs,
            # drawn by vl-convert from the specs, which hold the data as JSON
            svgs={layout: Markup(svg) for layout, svg in self.svgs.items()},
            fixed=fixed_size(self.specs["wide"]),
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
    specs, svgs = {}, {}
    for layout, width, narrow in (("wide", WIDE_WIDTH, False), ("narrow", NARROW_WIDTH, True)):
        specs[layout], svgs[layout] = fitted(spec, _static_svg, drawn_width, width, narrow)
    return Figure(specs, data.reset_index(drop=True), name, description, source, svgs)


def _nan_to_null(value):
    """Missing cells reach the spec as NaN, which JSON.parse rejects (and the chart is then not drawn)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_null(v) for v in value]
    return value


# Vega sizes a static chart by the width it measures its text at, and the reader's browser then draws
# that text in its own font: measured in a narrower font than the browser's, labels overran the chart and
# were cut off at its edge. So text is measured in DejaVu Sans, wider than the usual system fonts (Segoe
# UI, San Francisco, Roboto) and what Debian's browsers draw system-ui in, and drawn in the book's fonts.
MEASURING_FONT = "DejaVu Sans"


def _static_svg(spec: dict) -> str:
    """The chart as SVG, shown until (or unless) the reader asks for the interactive version."""
    measured = {**spec, "config": {**spec.get("config", {}), "font": MEASURING_FONT}}
    svg = vegalite_svg(measured).replace(f'font-family="{MEASURING_FONT}"', f'font-family="{FONT}"')
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
_SVG_WIDTH = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"')


def drawn_width(svg: str) -> float:
    """The width vl-convert drew a chart at, in px."""
    match = _SVG_WIDTH.search(svg)
    return float(match.group(1)) if match else 0.0
