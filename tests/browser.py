"""Headless Chromium (Debian's, through Playwright) against the built book served on 127.0.0.1."""

from __future__ import annotations

import base64
import functools
import http.server
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ICON = "/_static/favicon.svg"  # the book's icon (html_favicon, set by the extension)
INSTALL_HINT = "install Chromium to run the browser tests: `sudo apt-get install chromium` (Debian/Ubuntu)"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing in CI: {INSTALL_HINT}")
        pytest.skip(f"no Chromium found; {INSTALL_HINT}")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # The types a web server gives the citation downloads (cite/*.bib, *.ris): Python's table lacks them.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".bib": "application/x-bibtex",
        ".ris": "application/x-research-info-systems",
    }

    def log_message(self, *args):  # keep test output readable
        pass


@contextmanager
def serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Page:
    """A page opened offline: every request to another host is recorded and aborted, and every failed
    response (status 400 or more) is recorded in `failed`, from the first request on."""

    def __init__(self, page):
        self.page = page
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.requested: list[str] = []  # every address the page asked for, in order
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.route("**/*", self._route)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium fetches the page's icon again whenever the address changes (the catalogue's filters
        # change it), past the HTTP cache, which routing turns off. With the network cut, that fetch
        # fails: no reader sees it, and the page's own requests still count. A missing icon (404) counts.
        offline = "ERR_INTERNET_DISCONNECTED" in message.text
        if offline and message.location.get("url", "").endswith(ICON):
            return
        self.console_errors.append(message.text)

    def _route(self, route):
        url = route.request.url
        self.requested.append(url)
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


@contextmanager
def page_opener(browser, base: str, page_class: type[Page] = Page, wait: str = "networkidle"):
    """A function opening `base`/path in a new browser context (as `page_class`, waiting for `wait`);
    the contexts it opened close when the `with` block ends."""
    contexts = []

    def _open(path: str, width: int = 1280, height: int = 900, **options) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = page_class(context.new_page())
        page.page.goto(f"{base}/{path}")
        page.page.wait_for_load_state(wait)
        return page

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()


def assert_no_horizontal_scroll(page: Page, what: str) -> None:
    widths = page.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{what} scrolls sideways at {widths[1]} px: content is {widths[0]} px wide"
    )


def assert_title_on_screen(page: Page, what: str) -> None:
    """The page's title (its h1) is shown, and lies across the screen rather than off its edge."""
    title = page.page.locator("main h1:visible").first  # not the print-only copy
    assert title.is_visible(), f"{what}: the page title is not shown"
    box = title.bounding_box()
    width = page.page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{what}: the page title lies outside the {width} px screen ({box})"
    )


def address(page: Page) -> str:
    """The page's address as its own script last set it. Playwright's `page.url` learns of
    history.replaceState from a later browser event, so read straight after a change it can lag."""
    return page.page.evaluate("window.location.href")


# Decodes a PNG in the page and measures its pixels: mean brightness (0–255, the mean of R, G and B), the
# share of dark pixels (relative luminance under 0.1) and the luminance of the most common colour.
PIXELS_JS = """async (png) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = (r, g, b) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const counts = new Map();
  let dark = 0, sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
    if (luminance(data[i], data[i + 1], data[i + 2]) < 0.1) dark += 1;
    const key = data[i] + ',' + data[i + 1] + ',' + data[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const pixels = data.length / 4;
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0].split(',').map(Number);
  return {mean: sum / pixels, dark: dark / pixels, common: luminance(...common)};
}"""


def pixel_stats(page: Page, png: bytes) -> dict:
    """A screenshot's pixels measured in the browser (PIXELS_JS): `mean`, `dark` and `common`."""
    return page.page.evaluate(PIXELS_JS, base64.b64encode(png).decode("ascii"))


# --- axe-core (the copy axe-playwright-python ships; nothing is downloaded) ---------------------------

AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
SERIOUS = {"serious", "critical"}
# The dark theme changes colours and swaps theme-specific images, nothing else: the light pass runs every
# rule axe runs by default and the experimental ones (label-content-name-mismatch is one), the dark pass
# the rules that look at colours and images. Only violations are collected in full (resultTypes): axe
# otherwise lists every node that passed, which takes most of its time on a long page.
AXE_OPTIONS = {
    "light": "{rules: Object.fromEntries(axe.getRules(['experimental']).map(r => [r.ruleId, {enabled: true}])), resultTypes: ['violations']}",
    "dark": "{runOnly: {type: 'rule', values: DARK_RULES}, resultTypes: ['violations']}",
}
DARK_RULES = ["color-contrast", "link-in-text-block", "image-alt", "svg-img-alt", "role-img-alt"]


def axe_problems(page: Page, where: str, scheme: str) -> list[str]:
    """The serious and critical violations axe finds on an open page, one line each."""
    page.page.wait_for_timeout(300)  # charts drawn, theme settled
    page.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    known = {rule["ruleId"] for rule in page.page.evaluate("axe.getRules()")}
    assert set(DARK_RULES) <= known, "an axe rule the dark pass runs was renamed"
    result = page.page.evaluate(f"async (DARK_RULES) => await axe.run(document, {AXE_OPTIONS[scheme]})", DARK_RULES)
    return [
        f"{where} ({scheme}): {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
