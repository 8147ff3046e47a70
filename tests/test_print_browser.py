"""Any page printed on its own (print.css, media=print): what a reader holding the paper would notice. Only
the article shows, under the theme's printed title and list of the page's sections (no sidebars, header,
toolbar, buttons, way back or GitHub links; the title once), each
link that leaves the book has its address written after it (once), and every table is whole: no box
scrolls it, no column runs off the paper.

Printed as Chromium lays out the page for print (emulate_media), at 1366 px and at the width of A4 paper
between print.css's margins, where a real print lays it out."""

from __future__ import annotations

import json

import pytest

# A4 (210 mm) less print.css's 14 mm margins each side, in CSS pixels (96 to the inch).
PAPER_WIDTH = round((210 - 2 * 14) / 25.4 * 96)
# Chapters with the book's widest tables: the survey's data tables (17 columns, column names of 20
# letters) and the evidence and gap map (26 themes by 11 domains, in a cell as wide as the page and its sidebar).
WIDE_TABLE_CHAPTERS = ["chapters/survey.html", "chapters/evidence-gap-map.html"]

FURNITURE_JS = """() => {
  const article = document.querySelector('article.bd-article');
  const heading = document.getElementById('jb-print-docs-body');  // the theme's printed title and page contents
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const describe = e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} "${e.textContent.trim().slice(0, 50)}"`;
  const outside = [...document.body.querySelectorAll('*')]
    .filter(e => !article.contains(e) && !e.contains(article) && !heading?.contains(e) && shown(e))
    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || e.matches('button, input, select, svg, img'))
    .map(describe);
  const tools = [...article.querySelectorAll(
      'button, input, select, textarea, [role=button], .headerlink, .kb-breadcrumb, .kb-back, .kb-cite-tools, .kb-cite-files, .kb-correct')]
    .filter(shown).map(describe);
  const text = h => [...h.childNodes].filter(n => !n.classList?.contains('headerlink')).map(n => n.textContent).join('').trim();
  const title = text(article.querySelector('h1'));
  const titles = [...document.querySelectorAll('h1')].filter(h => shown(h) && text(h) === title).length;
  const cite = article.querySelector('.kb-cite-ref');
  return {outside, tools, titles, reference: cite ? shown(cite) : null};
}"""

LINKS_JS = """() => [...document.querySelectorAll('article.bd-article a[href^="http"]')]
  .filter(a => a.getBoundingClientRect().width > 0)
  .map(a => ({text: a.textContent.trim(), href: a.getAttribute('href'), after: getComputedStyle(a, '::after').content}))"""

TABLES_JS = """() => {
  const problems = [];
  for (const t of document.querySelectorAll('table')) {
    const box = t.getBoundingClientRect();
    if (!box.width) continue;
    const name = (t.querySelector('caption')?.textContent || t.querySelector('th')?.textContent || '').trim().slice(0, 60);
    if (t.scrollWidth > t.clientWidth + 1) problems.push(`"${name}": ${t.scrollWidth} px of content in a ${t.clientWidth} px table`);
    if (box.right > window.innerWidth + 1) problems.push(`"${name}": ends at ${Math.round(box.right)} px, past the ${window.innerWidth} px page`);
    for (let a = t.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible' && a.scrollWidth > a.clientWidth + 1) {
        problems.push(`"${name}": clipped by ${a.tagName.toLowerCase()}.${[...a.classList].join('.')} (${a.scrollWidth} px in ${a.clientWidth})`);
        break;
      }
    }
  }
  const page = document.documentElement.scrollWidth;
  if (page > window.innerWidth + 1) problems.push(`the page is ${page} px wide, for ${window.innerWidth} px of paper`);
  return problems;
}"""


def printed(open_page, path: str, width: int = 1366):
    page = open_page(path, width=width)
    page.page.emulate_media(media="print")
    return page


@pytest.fixture(scope="module")
def case_page(built_book) -> str:
    """The case study with the most outcomes: the longest outcome table, its sources, Cite this."""
    cases = json.loads((built_book / "data" / "case-studies.json").read_text(encoding="utf-8"))["case_studies"]
    return f"cases/{max(cases, key=lambda c: (len(c['outcomes']), c['id']))['id']}.html"


def test_a_printed_case_page_and_chapter_show_the_article_alone(open_page, case_page):
    for path in [case_page, *WIDE_TABLE_CHAPTERS]:
        found = printed(open_page, path).page.evaluate(FURNITURE_JS)
        assert found["outside"] == [], f"{path} printed shows page furniture: {found['outside'][:8]}"
        assert found["tools"] == [], f"{path} printed shows screen tools: {found['tools'][:8]}"
        assert found["titles"] == 1, f"{path} printed shows its title {found['titles']} times"
        assert found["reference"] is not False, f"{path} printed drops the reference to cite it"


def test_printed_links_that_leave_the_book_show_their_address_once(open_page):
    links = []
    for path in ("chapters/reading-list.html", "bibliography.html"):
        links += printed(open_page, path).page.evaluate(LINKS_JS)
    named = [link for link in links if link["text"] != link["href"]]
    bare = [link for link in links if link["text"] == link["href"]]
    assert named and bare, "the pages have links with their own text and links whose text is the address"
    missing = [link for link in named if link["href"] not in link["after"]]
    assert missing == [], f"printed links without their address: {missing[:3]}"
    twice = [link for link in bare if link["after"] != "none"]
    assert twice == [], f"printed links whose address shows twice: {twice[:3]}"


@pytest.mark.parametrize("width", [1366, PAPER_WIDTH])
def test_printed_tables_are_whole(open_page, case_page, width):
    for path in [case_page, *WIDE_TABLE_CHAPTERS]:
        page = printed(open_page, path, width)
        assert page.page.locator("article table").count(), f"{path} has a table"
        problems = page.page.evaluate(TABLES_JS)
        assert problems == [], f"{path} printed at {width} px: {problems[:6]}"
