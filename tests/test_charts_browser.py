"""Charts as a reader sees them (static/kbcharts.js): as wide as the page's column at 390 and 1366 px,
never scaled down (every text at least 10 CSS px on screen), and in the page's colours when it is dark,
including after the reader switches theme while reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import assert_no_horizontal_scroll, pixel_stats

WIDTHS = [390, 1366]
MIN_TEXT_PX = 10


@pytest.fixture(scope="module")
def chart_pages(built_book: Path) -> list[str]:
    pages = sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html") if 'class="kb-chart"' in p.read_text())
    assert len(pages) >= 5, "the book's chapters have charts"
    return pages


def drawn(page, scheme: str | None = None) -> int:
    """Waits until every chart on the page is drawn (in `scheme`, when given); returns how many there are."""
    page.page.wait_for_function(
        """(scheme) => [...document.querySelectorAll('.kb-chart')].every(c => c.querySelector('.kb-chart-live svg')
             && !c.dataset.kbDrawing && (!scheme || (c.dataset.kbDrawn || '').endsWith(scheme)))""",
        arg=scheme,
        timeout=20_000,
    )
    page.page.wait_for_timeout(400)  # no redraw started by a change of width the drawing caused
    page.page.wait_for_function("() => !document.querySelector('.kb-chart[data-kb-drawing]')", timeout=20_000)
    return page.page.locator(".kb-chart").count()


# Each chart's width against its container's, and every text's size as drawn on screen: its font size
# times the scale from the SVG to the screen (a chart squeezed into a narrow column shrinks its text
# without changing its computed font size).
MEASURE_JS = """() => [...document.querySelectorAll('.kb-chart')].map((chart, i) => {
  const svg = chart.querySelector('.kb-chart-live svg');
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const m = t.getScreenCTM();
    const scale = Math.sqrt(m.a * m.a + m.b * m.b);
    return {text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
  const spec = JSON.parse(chart.closest('figure').querySelector('script.kb-chart-spec').textContent);
  return {index: i, name: chart.closest('figure').id, fixed: !!(spec.usermeta && spec.usermeta.kbFixedSize),
          container: chart.clientWidth, scroll: chart.scrollWidth, svg: svg.getBoundingClientRect().width, texts};
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_chart_fits_its_column_and_no_text_is_smaller_than_10_px(open_page, chart_pages, width):
    problems = []
    for path in chart_pages:
        page = open_page(path, width)
        assert drawn(page)
        assert_no_horizontal_scroll(page, f"{path} at {width} px")
        for chart in page.page.evaluate(MEASURE_JS):
            where = f"{path} {chart['name']} at {width} px"
            if chart["svg"] > chart["container"] + 1 or chart["scroll"] > chart["container"] + 1:
                problems.append(f"{where}: {chart['svg']:.0f} px wide in a {chart['container']} px column")
            if not chart["fixed"] and chart["svg"] < chart["container"] - 2:
                problems.append(f"{where}: {chart['svg']:.0f} px wide, not the column's {chart['container']} px")
            small = [t for t in chart["texts"] if t["px"] < MIN_TEXT_PX]
            if small:
                problems.append(f"{where}: {len(small)} texts under {MIN_TEXT_PX} px, e.g. {small[0]['text']!r} at {small[0]['px']:.1f} px")
            assert chart["texts"], f"{where} has no text"
        assert page.console_errors == [], (path, page.console_errors)
    assert problems == []


# Relative luminance (WCAG) of CSS colours, and of the pixels of a screenshot (decoded by the browser):
# the share of dark pixels and the luminance of the most common colour.
COLOURS_JS = """() => {
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const guides = ['axis-label', 'axis-title', 'legend-label', 'legend-title', 'title-text', 'title-subtitle', 'header-label']
    .map(role => `g.role-${role} text`).join(',');
  return [...document.querySelectorAll('.kb-chart')].map(chart => {
    const texts = [...chart.querySelectorAll(guides)].filter(t => t.textContent.trim());
    return {name: chart.closest('figure').id, guides: texts.length,
            darkest: Math.min(...texts.map(t => luminance(getComputedStyle(t).fill))),
            lightest: Math.max(...texts.map(t => luminance(getComputedStyle(t).fill)))};
  });
}"""
def chart_colours(page) -> list[dict]:
    """Each chart's guide texts' luminance, and its pixels' (the chart's own screenshot)."""
    charts = page.page.evaluate(COLOURS_JS)
    for i, chart in enumerate(charts):
        locator = page.page.locator(".kb-chart").nth(i)
        locator.scroll_into_view_if_needed()
        stats = pixel_stats(page, locator.screenshot())
        chart.update(dark=stats["dark"], common=stats["common"])
    return charts


def assert_dark(charts: list[dict], where: str) -> None:
    for chart in charts:
        name = f"{where} {chart['name']}"
        assert chart["guides"] > 0, f"{name} has no axis, legend or title text"
        assert chart["common"] < 0.1 and chart["dark"] > 0.5, f"{name} is not dark: {chart}"
        assert chart["darkest"] > 0.4, f"{name}: a label is dark on the dark page: {chart}"


def assert_light(charts: list[dict], where: str) -> None:
    for chart in charts:
        name = f"{where} {chart['name']}"
        assert chart["common"] > 0.8 and chart["dark"] < 0.3, f"{name} is not light: {chart}"
        assert chart["lightest"] < 0.2, f"{name}: a label is light on the light page: {chart}"


@pytest.mark.parametrize("width", WIDTHS)
def test_charts_are_dark_with_light_text_on_a_dark_page(open_page, chart_pages, width):
    for path in chart_pages:
        page = open_page(path, width, color_scheme="dark")
        drawn(page, "dark")
        assert_dark(chart_colours(page), f"{path} at {width} px")


def test_charts_follow_the_reader_switching_theme_while_reading(open_page, chart_pages):
    path = "chapters/outcomes.html" if "chapters/outcomes.html" in chart_pages else chart_pages[0]
    page = open_page(path, 390, color_scheme="light")
    drawn(page, "light")
    assert_light(chart_colours(page), f"{path} (light)")
    for _ in range(3):  # the theme's button steps through its modes; stop at dark
        if page.page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        page.page.locator(".theme-switch-button:visible").first.click()
    assert page.page.evaluate("document.documentElement.dataset.theme") == "dark"
    drawn(page, "dark")
    assert_dark(chart_colours(page), f"{path} after switching to dark")
    assert page.console_errors == []
