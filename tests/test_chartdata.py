"""A chart's data download is a file: the figure's output carries its CSV only until the page is written,
when sphinx/chartdata.py writes data/charts/<name>.csv and links it. No build: a chart, its output as a
page would hold it, and the event handler on it."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import altair as alt
import pandas as pd
from docutils import nodes
from docutils.utils import new_document

from evidencebook.chapters.charts import figure
from evidencebook.sphinx.chartdata import CSV_PAYLOAD, publish_chart_data

from .chartfiles import BASE64_CSV


def a_chart(name: str, values: list[int]):
    data = pd.DataFrame({"level": [f"=L{i}" for i in range(len(values))], "case studies": values})
    chart = alt.Chart(data).mark_bar().encode(x="case studies:Q", y="level:N")
    return figure(chart, data=data, name=name, description="A test chart of levels.", source="the tests")


def page_with(*figures) -> nodes.document:
    document = new_document("test")
    for fig in figures:
        document += nodes.raw("", fig._repr_html_(), format="html")
    return document


def app_for(outdir):
    builder = SimpleNamespace(format="html", get_target_uri=lambda docname, typ=None: f"{docname}.html")
    return SimpleNamespace(builder=builder, outdir=str(outdir))


def test_the_figure_output_carries_its_csv_until_the_page_is_written(tmp_path):
    fig = a_chart("levels-test", [3, 1])
    output = fig._repr_html_()
    assert CSV_PAYLOAD in output and "data:text/csv" not in output
    document = page_with(fig)
    publish_chart_data(app_for(tmp_path), document, "chapters/overview")
    written = tmp_path / "data" / "charts" / "levels-test.csv"
    page = "".join(node.astext() for node in document.findall(nodes.raw))
    assert not BASE64_CSV.search(page), "no copy of the data left in the page"
    assert 'class="kb-csv" download="levels-test.csv" href="../data/charts/levels-test.csv"' in page
    rows = list(csv.reader(io.StringIO(written.read_text(encoding="utf-8"))))
    assert rows == [["level", "case studies"], ["'=L0", "3"], ["'=L1", "1"]]  # the chart's data, no cell a formula


def test_a_page_at_the_site_root_links_the_same_file_from_there(tmp_path):
    document = page_with(a_chart("levels-root", [2]), a_chart("levels-other", [5, 6, 7]))
    publish_chart_data(app_for(tmp_path), document, "index")
    page = "".join(node.astext() for node in document.findall(nodes.raw))
    assert 'href="data/charts/levels-root.csv"' in page and 'href="data/charts/levels-other.csv"' in page
    assert len((tmp_path / "data" / "charts" / "levels-other.csv").read_text().splitlines()) == 4


def test_the_specs_move_to_a_script_file_the_page_points_to(tmp_path):
    label = "</script><script>alert(1)</script>\u2028"
    data = pd.DataFrame({"level": [label], "case studies": [1]})
    fig = figure(alt.Chart(data).mark_bar().encode(x="case studies:Q", y="level:N"), data=data, name="levels-spec", description="d", source="s")
    document = page_with(fig)
    publish_chart_data(app_for(tmp_path), document, "chapters/overview")
    page = "".join(node.astext() for node in document.findall(nodes.raw))
    assert '<script type="application/json" class="kb-chart-spec" data-kb-chart="levels-spec" data-src="../data/charts/levels-spec.spec.js"></script>' in page
    assert '"datasets"' not in page, "no copy of the specs left in the page"
    script = (tmp_path / "data" / "charts" / "levels-spec.spec.js").read_text(encoding="ascii")  # ASCII: no line separator
    prefix = '(window.kbChartSpecs = window.kbChartSpecs || {})["levels-spec"] = '
    assert script.startswith(prefix) and script.endswith(";\n") and script.count("\n") == 1
    layouts = json.loads(script[len(prefix) : -2])  # one JSON literal, nothing that could run
    assert [row["level"] for rows in layouts["narrow"]["datasets"].values() for row in rows] == [label]
