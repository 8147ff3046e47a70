"""Chart layouts: a chart's Vega-Lite spec laid out for a column width, wide or narrow.

The book draws each chart twice at build time (chapters/charts.py): a wide layout for the page's column
on a computer and a narrow one for a phone's, both as static SVG the reader sees first, and both as the
specs static/kbcharts.js draws from when the reader asks for the interactive chart. This module is the
one place that decides how a chart is laid out; the script only fits the chosen layout to the exact
width of its container and to the page's colours.

The narrow layout wraps long labels (and makes rows tall enough for them), puts legends under the
chart, listed down, and facet headers above their panel, one facet per row. Text keeps the theme's
size: a layout never relies on the chart being scaled down.
"""

from __future__ import annotations

import copy
import math

FONT_PX = 12  # labels, legends, headers and titles, CSS px (charts.theme sets them)
EM = 0.58  # the average width of a character, in ems, to wrap text before Vega measures it
LINE = 15  # CSS px between the lines of a wrapped label
SYMBOL_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity")
# The column a chart is drawn for (measured in Chromium: the article column is 342 px wide at a 390 px
# window and 720-774 px from 768 px up); kbcharts.js and the CSS switch layouts at NARROW_BELOW.
WIDE_WIDTH = 740
NARROW_WIDTH = 342
NARROW_BELOW = 620
MIN_PANEL = 120  # a facet's panel narrower than this is unreadable: the chart takes the narrow layout


def wrap(text, chars: int):
    """Text cut into lines of at most `chars` characters at spaces (a longer word keeps its line): a
    list of lines, or the text itself when it fits on one."""
    text = "" if text is None else str(text)
    if len(text) <= chars:
        return text
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines if len(lines) > 1 else text


def wrap_expression(chars: int) -> str:
    """The same wrapping as a Vega expression, for labels Vega computes: a line break after the longest
    run of up to `chars` characters that ends at a space, then the lines as an array."""
    return f"split(trim(replace(datum.label, regexp('(.{{1,{chars}}})( +|$)', 'g'), '$1\\n')), '\\n')"


def _line_count(text, chars: int) -> int:
    wrapped = wrap(text, chars)
    return len(wrapped) if isinstance(wrapped, list) else 1


def views(spec) -> list[dict]:
    """Every view of the spec that has encodings: the spec itself, its layers, a facet's inner spec."""
    found: list[dict] = []

    def visit(node) -> None:
        if not isinstance(node, dict):
            return
        if "encoding" in node or "mark" in node:
            found.append(node)
        for child in node.get("layer", []):
            visit(child)
        if "spec" in node:
            visit(node["spec"])
        for key in ("concat", "hconcat", "vconcat"):
            for child in node.get(key, []):
                visit(child)

    visit(spec)
    return found


def merge(target: dict, source: dict) -> dict:
    """`source` merged into `target`, dictionaries key by key, in place."""
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def field_values(spec: dict, field: str) -> list:
    """Every value a field takes in the spec's data (altair puts the data in top-level `datasets`)."""
    return [row[field] for rows in (spec.get("datasets") or {}).values() for row in rows or [] if isinstance(row, dict) and row.get(field) is not None]


def fixed_size(spec: dict) -> bool:
    """A chart drawn at its own size whatever the column (the region tile map)."""
    return bool((spec.get("usermeta") or {}).get("kbFixedSize"))


def _narrow(spec: dict, width: int) -> int:
    """The narrow layout, in place; returns the room left for labels (px)."""
    chars = max(12, math.floor(width * 0.42 / (FONT_PX * EM)))
    label_limit = math.floor(width * 0.5)
    rows = 1
    slanted = any(isinstance((v.get("encoding") or {}).get("x"), dict) and ((v["encoding"]["x"].get("axis") or {}).get("labelAngle")) for v in views(spec))
    for view in views(spec):
        encoding = view.get("encoding") or {}
        for channel in ("x", "y"):
            definition = encoding.get(channel)
            if not isinstance(definition, dict):
                continue
            if isinstance(definition.get("title"), str):
                definition["title"] = wrap(definition["title"], chars)
            if definition.get("axis", {}) is None:
                continue
            if definition.get("type") == "quantitative":
                # Fewer ticks on a short axis, and a label that would touch its neighbour left out.
                axis = merge(definition.get("axis") or {}, {"labelOverlap": "greedy", "labelSeparation": 6, "tickCount": 4 if channel == "x" else 6})
                if (definition.get("scale") or {}).get("type") == "log":
                    axis["format"] = "~s"  # 10k, 1M: short enough to fit
                definition["axis"] = axis
            if definition.get("type") not in ("nominal", "ordinal"):
                continue
            if channel == "x" and slanted:
                # Slanted labels stand upright, one line each: wrapped, they would run into each other.
                definition["axis"] = merge(definition.get("axis") or {}, {"labelAngle": -90, "labelLimit": min(200, label_limit + 30)})
                continue
            axis = {"labelExpr": wrap_expression(chars), "labelLimit": label_limit, "labelLineHeight": LINE}
            if channel == "y":
                # Vega draws a wrapped label's first line level with its tick: centre it on its bar instead.
                axis["labelOffset"] = {"expr": f"-(length({wrap_expression(chars)}) - 1) * {LINE / 2:g}"}
                if definition.get("field"):
                    rows = max([rows] + [_line_count(v, chars) for v in field_values(spec, definition["field"])])
            definition["axis"] = merge(definition.get("axis") or {}, axis)
        for channel in SYMBOL_CHANNELS:
            definition = encoding.get(channel)
            if not isinstance(definition, dict) or definition.get("legend", {}) is None or not definition.get("field"):
                continue
            gradient = definition.get("type") == "quantitative" and channel not in ("size", "shape")
            legend = {"orient": "bottom", "labelExpr": wrap_expression(math.floor(chars * 0.9)), "labelLimit": label_limit - 30, "titleLimit": label_limit}
            if not gradient:
                legend["direction"] = "vertical"
            definition["legend"] = merge(definition.get("legend") or {}, legend)
    inner = spec.get("spec", spec)
    if rows > 1 and not isinstance(inner.get("height"), (int, float)):
        inner["height"] = {"step": rows * LINE + 6}
    row = (spec.get("facet") or {}).get("row") if isinstance(spec.get("facet"), dict) else None
    if isinstance(row, dict):
        row["header"] = merge(row.get("header") or {}, {"labelOrient": "top", "labelAnchor": "start", "labelAngle": 0, "labelLimit": width - 20})
    if spec.get("columns"):
        spec["columns"] = 1
    # Legends below a narrow chart go one under another from its left edge, not side by side.
    merge(spec.setdefault("config", {}), {"legend": {"layout": {"bottom": {"direction": "vertical", "anchor": "start"}}}})
    return label_limit


def _wrap_title(title, chars: int, subtitle_chars: int):
    def lines(text, n: int) -> list[str]:
        out: list[str] = []
        for line in text if isinstance(text, list) else [text]:
            wrapped = wrap(line, n)
            out.extend(wrapped if isinstance(wrapped, list) else [wrapped])
        return out

    if isinstance(title, (str, list)):
        return lines(title, chars)
    if isinstance(title, dict):
        if title.get("text") is not None:
            title["text"] = lines(title["text"], chars)
        if title.get("subtitle") is not None:
            title["subtitle"] = lines(title["subtitle"], subtitle_chars)
    return title


def _overhang(spec: dict) -> int:
    """How far labels written after the end of a bar (text marks aligned left) reach past it."""
    widest = 0.0
    for view in views(spec):
        mark = view.get("mark") if isinstance(view.get("mark"), dict) else {"type": view.get("mark")}
        text = (view.get("encoding") or {}).get("text")
        if mark.get("type") != "text" or mark.get("align") != "left" or not isinstance(text, dict) or not text.get("field"):
            continue
        size = mark.get("fontSize") or 11
        for value in field_values(spec, text["field"]):
            widest = max(widest, len(str(value)) * size * 0.6 + (mark.get("dx") or 0))
    return math.ceil(widest)


def _room_for_labels(spec: dict, room: int) -> None:
    """Vega fits axes, legends and titles into the width, not marks: labels after the longest bar would
    be cut off at the edge, so the x scale stops short of the plot's end by as much as they need."""
    if not room:
        return
    for view in views(spec):
        x = (view.get("encoding") or {}).get("x")
        if isinstance(x, dict) and x.get("type") == "quantitative":
            x["scale"] = merge(x.get("scale") or {}, {"range": [0, {"expr": f"width - {room}"}]})


def panel_width(width: int, label_space: int) -> int:
    """A first guess at a facet panel's width in a chart `width` wide (the drawing corrects it)."""
    return max(MIN_PANEL, width - (label_space or math.floor(width * 0.5)) - 40)


def layout(original: dict, width: int, narrow: bool) -> dict:
    """A copy of the chart's spec laid out for a column `width` px wide, never the original."""
    spec = copy.deepcopy(original)
    spec["background"] = "transparent"  # the page's own background shows, light or dark
    label_space = _narrow(spec, width) if narrow else 0
    if spec.get("title") is not None:  # Vega never wraps a title: lines longer than the chart would widen it
        spec["title"] = _wrap_title(spec["title"], math.floor((width - 10) / ((FONT_PX + 2) * 0.66)), math.floor((width - 10) / (FONT_PX * EM)))
    usermeta = spec.setdefault("usermeta", {})
    usermeta["kbLayout"] = {"width": width, "narrow": narrow, "labelSpace": label_space}
    if fixed_size(spec):
        return spec
    if "facet" in spec or "repeat" in spec:
        spec["spec"]["width"] = panel_width(width, label_space)
    else:
        spec["width"] = width
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
        _room_for_labels(spec, _overhang(spec))
    return spec


def fitted(spec: dict, draw, drawn_width, width: int, narrow: bool, tries: int = 4) -> tuple[dict, str]:
    """(the layout, its SVG drawn by `draw` and measured by `drawn_width`) for a column `width` wide.
    A facet's panels share what their labels leave, which is known only once drawn, so a facet chart of
    the wrong width is laid out again with its panels corrected; labels that leave no room for panels
    take the narrow layout."""
    laid = layout(spec, width, narrow)
    svg = draw(laid)
    drawn = drawn_width(svg)
    while "spec" in laid and not fixed_size(laid) and abs(drawn - width) > 1 and tries > 1:
        inner = laid["spec"]["width"] + (width - drawn)
        if inner < MIN_PANEL and not narrow:
            return fitted(spec, draw, drawn_width, width, True)
        laid = copy.deepcopy(laid)
        laid["spec"]["width"] = max(60, math.floor(inner))
        svg = draw(laid)
        drawn = drawn_width(svg)
        tries -= 1
    return laid, svg
