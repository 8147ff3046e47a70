"""Chart layouts (chapters/chartlayout.py): what a reader on a phone and on a computer gets from one
chart. No build: altair charts laid out and drawn by vl-convert, as a chapter does."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from evidencebook.chapters.chartlayout import NARROW_WIDTH, WIDE_WIDTH, fitted, layout, wrap
from evidencebook.chapters.charts import FONT, MEASURING_FONT, _static_svg, drawn_width, figure

LONG = "Primary and community care use across the whole of the place"


def stacked_chart() -> tuple[dict, pd.DataFrame]:
    data = pd.DataFrame({"domain": [LONG, "Social care", LONG], "kind": ["Measured", "Context", "Target"], "n": [3, 2, 1]})
    chart = alt.Chart(data).mark_bar().encode(x="sum(n):Q", y=alt.Y("domain:N", title="Outcome domain"), color="kind:N")
    return chart, data


def test_wrap_cuts_at_spaces_and_keeps_short_text_whole():
    assert wrap("Social care", 20) == "Social care"
    assert wrap(LONG, 20) == ["Primary and", "community care use", "across the whole of", "the place"]
    assert all(len(line) <= 20 for line in wrap(LONG, 20))


def test_the_narrow_layout_wraps_labels_centres_them_and_puts_the_legend_below():
    chart, _ = stacked_chart()
    spec = chart.to_dict()
    narrow = layout(spec, NARROW_WIDTH, narrow=True)
    y_axis = narrow["encoding"]["y"]["axis"]
    assert "regexp" in y_axis["labelExpr"] and "labelOffset" in y_axis  # wrapped, and centred on the bar
    assert narrow["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert narrow["width"] == NARROW_WIDTH and narrow["height"] == {"step": 4 * 15 + 6}  # rows fit four lines
    assert "axis" not in spec["encoding"]["y"] or "labelExpr" not in spec["encoding"]["y"]["axis"], "the chart's own spec is left as it was"
    wide = layout(spec, WIDE_WIDTH, narrow=False)
    assert "labelExpr" not in (wide["encoding"]["y"].get("axis") or {}) and wide["width"] == WIDE_WIDTH


def test_each_layout_is_drawn_as_wide_as_its_column():
    chart, _ = stacked_chart()
    for width, narrow in ((WIDE_WIDTH, False), (NARROW_WIDTH, True)):
        _, svg = fitted(chart.to_dict(), _static_svg, drawn_width, width, narrow)
        assert abs(drawn_width(svg) - width) <= 1


def test_a_facet_chart_is_redrawn_until_its_panels_fill_the_column():
    data = pd.DataFrame({"doc": ["A", "A", "B"], "what": ["one measure", "another measure of some length", "a third"], "v": [1, 2, 3]})
    chart = alt.Chart(data).mark_bar().encode(x="v:Q", y="what:N").facet(row="doc:N")
    for width, narrow in ((WIDE_WIDTH, False), (NARROW_WIDTH, True)):
        laid, svg = fitted(chart.to_dict(), _static_svg, drawn_width, width, narrow)
        assert abs(drawn_width(svg) - width) <= 1, (width, drawn_width(svg))
        assert laid["spec"]["width"] >= 60


def test_static_text_is_measured_wide_and_drawn_in_the_books_fonts():
    chart, data = stacked_chart()
    fig = figure(chart, data=data, name="layout-test", description="A test chart.", source="the tests")
    for svg in fig.svgs.values():
        families = set(re.findall(r'font-family="([^"]*)"', svg))
        assert families == {FONT}, families  # never the measuring font alone: a reader without it would get a serif
        assert MEASURING_FONT not in svg
    assert set(fig.specs) == {"wide", "narrow"}
    assert fig.specs["narrow"]["usermeta"]["kbLayout"] == {"width": NARROW_WIDTH, "narrow": True, "labelSpace": NARROW_WIDTH // 2}
