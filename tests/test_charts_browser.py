"""Charts as a reader sees them, at 390 and 1366 px, light and dark.

As the page opens, each chart is the static SVG the build drew (chapters/chartlayout.py) in the layout
that fits the column: as wide as the column (a chart of fixed size: no wider), every text at least
10 CSS px on screen, and no chart library loaded. When the reader asks for the interactive chart
(its button), static/kbcharts.js draws it at the column's width from the same
layouts; both follow the page's colours when it is dark, including after the reader switches theme
while reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import assert_no_horizontal_scroll, pixel_stats

WIDTHS = [390, 1366]
MIN_TEXT_PX = 10
BUNDLE = "vega-bundle.js"


@pytest.fixture(scope="module")
def chart_pages(built_book: Path) -> list[str]:
    pages = sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html") if 'class="kb-chart"' in p.read_text())
    assert len(pages) >= 5, "the book's chapters have charts"
    return pages


def drawn(page, scheme: str | None = None) -> int:
    """Asks for every chart's interactive version and waits until each is drawn (in `scheme`, when
    given); returns how many there are."""
    page.page.evaluate("() => document.querySelectorAll('.kb-chart-explore:not([hidden])').forEach(b => b.click())")
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
# without changing its computed font size). The chart shown: the interactive one once drawn, otherwise
# the static layout the page's CSS shows.
MEASURE_JS = """() => [...document.querySelectorAll('.kb-chart')].map((chart, i) => {
  const live = chart.querySelector('.kb-chart-live svg');
  const shown = [...chart.querySelectorAll('.kb-chart-static')].filter(s => s.offsetParent !== null);
  const svg = live || (shown.length === 1 ? shown[0].querySelector('svg') : null);
  if (!svg) return {index: i, name: chart.closest('figure').id, shown: shown.length};
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const m = t.getScreenCTM();
    const scale = Math.sqrt(m.a * m.a + m.b * m.b);
    return {text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
  return {index: i, name: chart.closest('figure').id, shown: 1, live: !!live,
          layout: live ? 'live' : shown[0].className, fixed: chart.hasAttribute('data-kb-fixed'),
          container: chart.clientWidth, scroll: chart.scrollWidth, svg: svg.getBoundingClientRect().width, texts};
})"""


def chart_problems(page, where: str) -> list[str]:
    problems = []
    for chart in page.page.evaluate(MEASURE_JS):
        name = f"{where} {chart['name']}"
        if chart["shown"] != 1:
            problems.append(f"{name}: {chart['shown']} static layouts shown, not one")
            continue
        name += f" ({chart['layout']})"
        if chart["svg"] > chart["container"] + 1 or chart["scroll"] > chart["container"] + 1:
            problems.append(f"{name}: {chart['svg']:.0f} px wide in a {chart['container']} px column")
        if not chart["fixed"] and chart["svg"] < chart["container"] - 2:
            problems.append(f"{name}: {chart['svg']:.0f} px wide, not the column's {chart['container']} px")
        small = [t for t in chart["texts"] if t["px"] < MIN_TEXT_PX]
        if small:
            problems.append(f"{name}: {len(small)} texts under {MIN_TEXT_PX} px, e.g. {small[0]['text']!r} at {small[0]['px']:.1f} px")
        if not chart["texts"]:
            problems.append(f"{name} has no text")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_chart_fits_its_column_and_no_text_is_smaller_than_10_px(open_page, chart_pages, width):
    problems = []
    for path in chart_pages:
        page = open_page(path, width)
        where = f"{path} at {width} px"
        assert not [u for u in page.requested if BUNDLE in u], f"{where}: the chart library loaded before anyone asked for it"
        assert_no_horizontal_scroll(page, where)
        problems += chart_problems(page, where)  # the static charts
        assert drawn(page)
        assert [u for u in page.requested if BUNDLE in u], f"{where}: interactive charts drawn without the bundle?"
        assert_no_horizontal_scroll(page, f"{where}, interactive")
        problems += chart_problems(page, where)  # the interactive ones
        assert page.console_errors == [], (path, page.console_errors)
    assert problems == []


def test_the_button_draws_its_own_chart_and_reading_the_page_draws_none(open_page, chart_pages):
    path = "chapters/outcomes.html" if "chapters/outcomes.html" in chart_pages else chart_pages[0]
    page = open_page(path, 1366)
    charts = page.page.locator(".kb-chart")
    for i in range(charts.count()):  # a reader scrolling past every chart with the mouse over them
        charts.nth(i).hover()
    page.page.mouse.wheel(0, 2000)
    page.page.wait_for_timeout(300)
    assert not [u for u in page.requested if BUNDLE in u] and page.page.locator(".kb-chart-live").count() == 0
    button = page.page.locator(".kb-figure").nth(1).locator(".kb-chart-explore")
    button.click()
    page.page.wait_for_function("(i) => document.querySelectorAll('.kb-chart')[i].dataset.kbDrawn", arg=1, timeout=20_000)
    assert charts.nth(1).locator(".kb-chart-live svg").count() == 1 and button.is_hidden()
    assert page.page.locator(".kb-chart-live").count() == 1, "only the chart the reader asked for is drawn"
    assert page.console_errors == []


# Relative luminance (WCAG) of CSS colours, and of the pixels of a screenshot (decoded by the browser):
# the share of dark pixels and the luminance of the most common colour. The texts of the chart shown.
COLOURS_JS = """() => {
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const guides = ['axis-label', 'axis-title', 'legend-label', 'legend-title', 'title-text', 'title-subtitle', 'header-label']
    .map(role => `g.role-${role} text`).join(',');
  return [...document.querySelectorAll('.kb-chart')].map(chart => {
    const texts = [...chart.querySelectorAll(guides)].filter(t => t.textContent.trim() && t.closest('svg').getBoundingClientRect().width > 0);
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
        assert_dark(chart_colours(page), f"{path} at {width} px (static)")
        drawn(page, "dark")
        assert_dark(chart_colours(page), f"{path} at {width} px (interactive)")


def test_charts_follow_the_reader_switching_theme_while_reading(open_page, chart_pages):
    path = "chapters/outcomes.html" if "chapters/outcomes.html" in chart_pages else chart_pages[0]
    page = open_page(path, 390, color_scheme="light")
    page.page.locator(".kb-figure .kb-chart-explore").first.click()  # one chart interactive, the others static
    page.page.wait_for_function("() => (document.querySelector('.kb-chart').dataset.kbDrawn || '').endsWith('light')", timeout=20_000)
    assert_light(chart_colours(page), f"{path} (light)")
    for _ in range(3):  # the theme's button steps through its modes; stop at dark
        if page.page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        page.page.locator(".theme-switch-button:visible").first.click()
    assert page.page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.page.wait_for_function("() => (document.querySelector('.kb-chart').dataset.kbDrawn || '').endsWith('dark')", timeout=20_000)
    assert page.page.locator(".kb-chart-live").count() == 1
    assert_dark(chart_colours(page), f"{path} after switching to dark")
    assert page.console_errors == []
