"""A chart's published CSV leads to the pages from wherever it is downloaded: the links its data holds
relative to the chapter page (sphinx/chartlinks.py) are written to data/charts/<name>.csv absolute, from
the site's configured address. No build: a chart, its output as a page holds it, and the handler on it."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import altair as alt
import pandas as pd
from docutils import nodes
from docutils.utils import new_document

from evidencebook.chapters.charts import figure
from evidencebook.publish.catalogue import catalogue_url
from evidencebook.sphinx.chartdata import publish_chart_data
from evidencebook.sphinx.chartlinks import absolute_links

SITE = "https://example.org/book/"


def linked_chart(name: str):
    data = pd.DataFrame(
        {
            "case": ["A town", "=B city", "Elsewhere", "No page"],
            "url": ["../cases/a-town.html", "../cases/b-city.html", "https://example.net/x", ""],
            "href": ["#egm-a--b", catalogue_url({"level": "place"}), "../cases/index.html#top", ""],
            "case studies": [1, 2, 3, 4],
        }
    )
    chart = alt.Chart(data).mark_bar().encode(x="case studies:Q", y="case:N", href="url:N")
    return figure(chart, data=data, name=name, description="A test chart with links.", source="the tests")


def published(tmp_path, docname: str, site: str | None) -> list[dict]:
    document = new_document("test")
    document += nodes.raw("", linked_chart("links-test")._repr_html_(), format="html")
    builder = SimpleNamespace(format="html", get_target_uri=lambda doc, typ=None: f"{doc}.html")
    app = SimpleNamespace(builder=builder, outdir=str(tmp_path))
    if site is not None:
        app.evidencebook_book = SimpleNamespace(site=site)
    publish_chart_data(app, document, docname)
    text = (tmp_path / "data" / "charts" / "links-test.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_published_csv_gives_every_link_at_the_sites_address(tmp_path):
    rows = published(tmp_path, "chapters/evidence-gap-map", SITE)
    assert [r["url"] for r in rows] == [f"{SITE}cases/a-town.html", f"{SITE}cases/b-city.html", "https://example.net/x", ""]
    assert [r["href"] for r in rows] == [
        f"{SITE}chapters/evidence-gap-map.html#egm-a--b",  # a place on the page that drew the chart
        f"{SITE}cases/index.html?level=place",
        f"{SITE}cases/index.html#top",
        "",
    ]
    assert [r["case"] for r in rows] == ["A town", "'=B city", "Elsewhere", "No page"], "other cells as they were (no formula)"


def test_without_a_site_address_links_are_relative_to_the_file(tmp_path):
    rows = published(tmp_path, "chapters/evidence-gap-map", "")
    assert [r["url"] for r in rows][:2] == ["../../cases/a-town.html", "../../cases/b-city.html"]
    assert [r["href"] for r in rows][:2] == ["../../chapters/evidence-gap-map.html#egm-a--b", "../../cases/index.html?level=place"]


def test_a_csv_without_relative_links_is_published_byte_for_byte():
    plain = b'level,case studies\r\n"Place, town",3\r\n'
    assert absolute_links(plain, "chapters/overview.html", SITE, "data/charts/x.csv") is plain
    absolute = b"case,url\nA,https://example.org/book/cases/a.html\n"
    assert absolute_links(absolute, "chapters/overview.html", SITE, "data/charts/x.csv") == absolute
    quoted = '\ufeffcase,URL\n"A, town",../cases/a.html\n'.encode()
    assert absolute_links(quoted, "index.html", SITE, "data/charts/x.csv").decode() == f'\ufeffcase,URL\n"A, town",{SITE}cases/a.html\n'
