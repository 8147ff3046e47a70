"""Headless Chromium (Debian's, through Playwright) against the built book served on 127.0.0.1."""

from __future__ import annotations

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
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


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
