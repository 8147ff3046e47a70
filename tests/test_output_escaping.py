"""Output is inert by construction, without a build: the hostile data of tests/hostile_data/inert/
through every page generator, HTML assembled only as Markup, links and CSV cells made safe in one place."""

from __future__ import annotations

import re

import pytest
from docutils import nodes
from docutils.utils import new_document

from evidencebook.chapters.checklist_page import checklist_part
from evidencebook.chapters.frameworks_page import agreement_html
from evidencebook.chapters.gapmap import gap_map, gap_map_html
from evidencebook.chapters.generated import part_texts, subpage_lists
from evidencebook.chapters.places import region_lists_html
from evidencebook.chapters.reading import reading_list_page
from evidencebook.chapters.tables import HTML
from evidencebook.publish.glossary import glossary_page
from evidencebook.publish.render import PageWriter
from evidencebook.publish.text import Markup, csv_text, link_allowed, md_token, neutralised_csv
from evidencebook.records.book import read_book
from evidencebook.records.kb import load_knowledge_base
from evidencebook.sphinx.extension import unlink_unsafe_addresses

from .conftest import ROOT, knowledge_root
from .unusual_book import apply_cases

# An attribute is live only inside a tag: escaped text that reads "src=javascript:" (a vocabulary's hostile
# definition, shown on its lookup table's page) is not one.
LIVE_HTML = re.compile(r"<(script|img|svg|iframe)\b|\son\w+=\"|<[^>]*\s(href|src)=\"?javascript:", re.I)
RAW_BLOCK = re.compile(r"^( *)(`{3,})\{raw\} html\n(?P<html>.*?)\n\1\2$", re.S | re.M)
LIVE_MYST = re.compile(r"(?<!\\)\{(download|include|raw)(?<!\\)\}")


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    root = knowledge_root(tmp_path_factory.mktemp("hostile-output"), sorted((ROOT / "case_studies").glob("[!_]*.yml")))
    apply_cases(root)
    kb = load_knowledge_base(root)
    assert kb.problems == [], kb.problems[:5]
    return kb


def test_html_from_hostile_data_holds_no_live_markup(hostile_kb):
    kb = hostile_kb
    outputs = {
        "gap map": gap_map_html(kb, gap_map(kb), read_book(ROOT)),
        "regions": region_lists_html(kb),
        "agreement": agreement_html(kb),
    }
    for name, html in outputs.items():
        assert isinstance(html, Markup), name
        assert LIVE_HTML.findall(html) == [], name
    assert "__pwned=3" in outputs["gap map"] and "&lt;img src=x onerror=window.__pwned=3&gt;" in outputs["gap map"]
    assert "&lt;svg onload=window.__pwned=5&gt;" in outputs["regions"]
    # the chapters' generated parts and their own pages are MyST: their HTML is in raw blocks, from templates
    checklist = checklist_part(kb)
    parts = [("checklist", checklist)]  # the frameworks part is a list of links, in MyST
    parts += [(page.docname, page.text) for pages in subpage_lists(kb).values() for page in pages]
    for name, part in parts:
        blocks = [m["html"] for m in RAW_BLOCK.finditer(part)]
        assert blocks and all(LIVE_HTML.findall(block) == [] for block in blocks), name
    assert "&lt;/p&gt;&lt;/li&gt;&lt;script&gt;" in checklist
    outcome_pages = "".join(page.text for page in subpage_lists(kb)["outcomes"])
    assert "Hospital use&#34; onmouseover=&#34;window.__pwned=4&#34;" in outcome_pages  # a domain's label, escaped


def test_myst_pages_from_hostile_data_hold_no_live_roles_or_directives(hostile_kb):
    kb = hostile_kb
    writer = PageWriter(kb)
    pages = {
        "case page": writer.case_page(kb.records["family-mosaic-health-begins-at-home"]),
        "framework case page": writer.case_page(kb.records["north-east-health-and-care-commission"]),
        "glossary": glossary_page(kb),
        "reading list": reading_list_page(kb, {}),
        "checklist": checklist_part(kb),
        **part_texts(kb),
        **{page.docname: page.text for pages in subpage_lists(kb).values() for page in pages},
    }
    for name, text in pages.items():
        ours = RAW_BLOCK.sub("", text)  # the pages' own raw blocks: HTML from templates, not read as MyST
        assert LIVE_MYST.findall(ours) == [], name
        assert "<script>window.__pwned" not in text and "](javascript:" not in text, name
    assert r"\{download\}\`passwd \<\/etc\/passwd\>\`" in pages["case page"]


def test_a_charts_spec_cannot_end_its_script_and_parses_back_to_the_same_values():
    """A chart's spec travels in <script type="application/json">: a label holding `</script>` or `<!--`
    must stay text in it, and JSON.parse (here json.loads) must give back exactly the label."""
    import json

    import altair as alt
    import pandas as pd

    from evidencebook.chapters.charts import figure

    label = '</script><script>alert(1)</script><!-- & "quoted" \u2028'
    data = pd.DataFrame({"case": [label], "n": [1]})
    chart = alt.Chart(data).mark_bar().encode(x="n:Q", y="case:N")
    page = figure(chart, data=data, name="hostile", description=label, source=label)._repr_html_()
    (spec_text,) = re.findall(r'<script type="application/json" class="kb-chart-spec" data-kb-chart="hostile">(.*?)</script>', page, re.S)
    assert "<" not in spec_text and ">" not in spec_text and "&" not in spec_text
    specs = json.loads(spec_text)
    for layout in ("wide", "narrow"):
        assert [row["case"] for rows in specs[layout]["datasets"].values() for row in rows] == [label]
    assert page.count("<script") == 1  # only the spec's own: the label's script is text
    assert 'aria-label="&lt;/script&gt;' in page  # the chart's name, escaped as an attribute


def test_ids_inside_myst_syntax_cannot_end_it():
    assert md_token("randomised-trial") == "randomised-trial" and md_token("hee2019:brief.v2") == "hee2019:brief.v2"
    assert md_token("x} {download}`/etc/passwd`") == "x---download---etc-passwd-"


def test_notebook_html_shows_plain_text_as_text_and_markup_as_html():
    assert HTML("<b>x</b>")._repr_html_() == "&lt;b&gt;x&lt;/b&gt;"
    assert HTML(Markup("<b>{}</b>").format("<i>")).text == "<b>&lt;i&gt;</b>"


@pytest.mark.parametrize(
    "url, allowed",
    [("https://example.org/a?b=1", True), ("mailto:a@example.org", True), ("../cases/x.html#y", True), ("#top", True),
     ("javascript:alert(1)", False), ("java\tscript:alert(1)", False), (" JavaScript:x", False), ("data:text/html,x", False)],
)
def test_only_http_mailto_and_relative_addresses_are_links(url, allowed):
    assert link_allowed(url) is allowed


def test_a_javascript_link_in_a_page_is_published_as_its_text():
    document = new_document("test")
    paragraph = nodes.paragraph()
    paragraph += nodes.reference("", "javascript:alert(1)", refuri="javascript:alert(1)")
    paragraph += nodes.reference("", "a report", refuri="https://example.org/report")
    document += paragraph
    unlink_unsafe_addresses(None, document, "bibliography")
    assert [r["refuri"] for r in document.findall(nodes.reference)] == ["https://example.org/report"]
    assert paragraph.astext() == "javascript:alert(1)a report"


def test_csv_cells_that_would_run_are_neutralised_and_numbers_kept():
    assert [csv_text(v) for v in ("=1+1", "+1", "@A1", "-x", "\tA", "-3.5", "-1e5", 3, "text")] == [
        "'=1+1", "'+1", "'@A1", "'-x", "'\tA", "-3.5", "-1e5", 3, "text"
    ]
    untouched = 'a,b\r\n-3.5,"x, y"\r\n'
    assert neutralised_csv(untouched) is untouched
    assert neutralised_csv('a,b\r\n=HYPERLINK("x"),-2\r\n') == 'a,b\r\n"\'=HYPERLINK(""x"")",-2\r\n'
    # a spreadsheet skips a byte order mark: one in front of a formula does not hide it
    assert neutralised_csv("\ufeff=1+1,b\n") == "\ufeff'=1+1,b\n"
    assert csv_text("\ufeff@A1") == "'\ufeff@A1"
    assert neutralised_csv("\ufeffa,-2\n") == "\ufeffa,-2\n"


def rename_term(kb, vocab: str, old: str, new: str) -> None:
    """Give a term a new id in memory, in its vocabulary and in every record using it (the loader
    would refuse such an id in a file; the pages must stay inert without relying on that)."""
    terms = kb.vocabularies[vocab]
    terms.terms = [t.model_copy(update={"id": new}) if t.id == old else t for t in terms.terms]
    terms.__dict__.pop("by_id", None)
    swap = {old: new}
    for rid, r in list(kb.records.items()):
        kb.records[rid] = r.model_copy(
            update={
                "themes": [swap.get(t, t) for t in r.themes],
                "place": r.place.model_copy(update={"region": swap.get(r.place.region, r.place.region)}),
                "outcomes": [o.model_copy(update={"domain": swap.get(o.domain, o.domain)}) for o in r.outcomes],
            }
        )


def test_ids_written_into_html_attributes_are_escaped(tmp_path):
    kb = load_knowledge_base(knowledge_root(tmp_path, sorted((ROOT / "case_studies").glob("[!_]*.yml"))))
    breakout = '" onmouseover="window.__pwned=1" x="'
    rename_term(kb, "themes", "prevention-and-public-health", "theme" + breakout)
    rename_term(kb, "outcome_domains", "hospital-use", "domain" + breakout)
    rename_term(kb, "regions", "north-east", "region" + breakout)
    html = gap_map_html(kb, gap_map(kb), read_book(ROOT)) + region_lists_html(kb)
    assert 'id="egm-theme&#34; onmouseover=&#34;window.__pwned=1&#34;' in html
    assert 'id="region-region&#34; onmouseover' in html
    assert ' onmouseover="' not in html


def test_published_data_csv_files_are_neutralised_and_otherwise_identical(tmp_path):
    from evidencebook.publish.datapackage import publish
    from evidencebook.records.datasets import load_package

    root = knowledge_root(tmp_path / "book")
    survey = root / "data" / "survey" / "phc-2015-survey-respondents.csv"
    survey.write_text(survey.read_text(encoding="utf-8").replace('"over 2,000"', '"=HYPERLINK(""http://x"")"', 1), encoding="utf-8")
    written = publish(load_package(root), tmp_path / "site")
    assert "'=HYPERLINK" in (tmp_path / "site" / "survey" / survey.name).read_text(encoding="utf-8")
    for path in written:
        source = root / "data" / path.relative_to(tmp_path / "site")
        if source != survey:
            assert path.read_bytes() == source.read_bytes(), path.name
