"""Chart data and specs as files: each chart's "Download the data (CSV)" links to data/charts/<name>.csv,
and its interactive version is drawn from data/charts/<name>.spec.js.

A chapter's notebook output carries each chart's CSV in its link (`data-kb-csv`, base64) and its
layouts' Vega-Lite specs in a JSON script (see chapters/charts.py), since the kernel cannot know where
the site is written. As a page is written (doctree-resolved, in the main process even when Sphinx
writes in parallel), this writes both to their files, points the page at them and drops the payloads,
so the page carries neither: the specs are loaded only when a reader asks for the interactive chart.
The spec file is a script (it sets `window.kbChartSpecs[name]`), not JSON, so that it loads from
`file://` too (the offline edition), where a page may not fetch. The output stays in the notebook
cache, so a chapter that is not executed again still publishes its files.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

from ..publish.html import render
from .chartlinks import absolute_links

logger = logging.getLogger(__name__)

CHART_DATA_DIR = "data/charts"  # under the site root
CSV_PAYLOAD = "data-kb-csv="
# The link's attributes as publish/templates/figure.html writes them (only they are rewritten, so the link
# stays the template's); a chart's name is a slug the chapter's code gives.
CSV_LINK = re.compile(r'download="(?P<name>[a-z0-9-]+)\.csv" href="[^"]*" data-kb-csv="(?P<data>[A-Za-z0-9+/=]*)"')
# The specs' script as figure.html writes it; its JSON has every `<` escaped (publish/html.script_json).
SPEC_SCRIPT = re.compile(r'<script type="application/json" class="kb-chart-spec" data-kb-chart="(?P<name>[a-z0-9-]+)">(?P<json>[^<]*)</script>')


def chart_data_path(outdir: Path, name: str) -> Path:
    return outdir / CHART_DATA_DIR / f"{name}.csv"


def chart_spec_path(outdir: Path, name: str) -> Path:
    return outdir / CHART_DATA_DIR / f"{name}.spec.js"


def spec_script(name: str, specs: dict) -> bytes:
    """The file that hands a chart's specs to static/kbcharts.js: JSON (a JavaScript literal, nothing
    else; non-ASCII escaped, so no line separator can end it early) assigned to the chart's name."""
    literal = json.dumps(specs, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return f"(window.kbChartSpecs = window.kbChartSpecs || {{}})[{json.dumps(name)}] = {literal};\n".encode("ascii")


def _write(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def publish_chart_data(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Write the CSV of every chart on the page to its file and link that instead."""
    if app.builder.format != "html":
        return
    written: dict[str, tuple[str, bytes]] | None = getattr(app, "evidencebook_chart_data", None)  # name -> (page, CSV)
    if written is None:
        written = app.evidencebook_chart_data = {}  # type: ignore[attr-defined]
    page = app.builder.get_target_uri(docname)
    book = getattr(app, "evidencebook_book", None)  # the configured site address (sphinx/citing.py keeps it)
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if CSV_PAYLOAD not in text:
            continue

        def to_file(match: re.Match) -> str:
            name = match["name"]
            try:
                data = base64.b64decode(match["data"], validate=True)
            except binascii.Error:
                logger.warning(f"chart {name!r}: its CSV is not valid base64", location=docname)
                return match[0]
            earlier = written.get(name)
            if earlier and earlier[0] != docname and earlier[1] != data:
                logger.warning(f"two charts are named {name!r} (also on {earlier[0]}): give one another name", location=docname)
            written[name] = (docname, data)
            # The file's links lead to the pages from anywhere it is downloaded to (chartlinks.py).
            _write(chart_data_path(Path(app.outdir), name), absolute_links(data, page, book.site if book else "", f"{CHART_DATA_DIR}/{name}.csv"))
            href = relative_uri(page, f"{CHART_DATA_DIR}/{name}.csv")
            return f'download="{name}.csv" href="{html.escape(href)}"'

        def spec_to_file(match: re.Match) -> str:
            name = match["name"]
            try:
                specs = json.loads(match["json"])
            except ValueError:
                logger.warning(f"chart {name!r}: its specs are not valid JSON", location=docname)
                return match[0]
            _write(chart_spec_path(Path(app.outdir), name), spec_script(name, specs))
            href = relative_uri(page, f"{CHART_DATA_DIR}/{name}.spec.js")
            return str(render("chart_spec_file.html", name=name, href=href))

        replaced = SPEC_SCRIPT.sub(spec_to_file, CSV_LINK.sub(to_file, text))
        if CSV_PAYLOAD in replaced:
            logger.warning("a chart's CSV could not be written to a file: its link is not as figure.html writes it", location=docname)
        node.replace_self(nodes.raw(node.rawsource, replaced, **node.attributes))
