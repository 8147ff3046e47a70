"""sitemap.xml: every page of the book at its absolute address, for search engines (sitemaps.org 0.9).

Only the book's pages are listed: Sphinx's search page and general index are tools, not content, and
the redirect pages of old addresses (redirects.py) are not pages of their own."""

from __future__ import annotations

from pathlib import Path

from .html import render

SITEMAP_FILE = "sitemap.xml"


def sitemap_xml(site: str, paths: list[str]) -> str:
    """The sitemap of the pages at `paths` (relative to the site's root, e.g. cases/wigan-deal.html)."""
    return render(SITEMAP_FILE, urls=[f"{site}{path}" for path in sorted(paths)]) + "\n"


def write_sitemap(outdir: Path, site: str, paths: list[str]) -> Path:
    path = outdir / SITEMAP_FILE
    path.write_text(sitemap_xml(site, paths), encoding="utf-8")
    return path


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def published_pages(outdir: Path, site: str) -> list[str]:
    """The paths of the pages a build listed in its sitemap.xml, relative to the site's root (`make release`
    records them as the edition's pages). The file is the build's own output, read back."""
    import xml.etree.ElementTree as ET

    path = outdir / SITEMAP_FILE
    if not site or not path.is_file():
        raise FileNotFoundError(f"{path} was not written: the build writes it only when html.baseurl is set in _config.yml")
    try:
        urls = [loc.text or "" for loc in ET.parse(path).getroot().iter(f"{SITEMAP_NS}loc")]
    except ET.ParseError as err:
        raise ValueError(f"{path} is not a sitemap: {err}") from err
    outside = [url for url in urls if not url.startswith(site)]
    if outside:
        raise ValueError(f"{path} lists addresses outside the site {site}: {', '.join(outside[:3])}")
    return [url.removeprefix(site) for url in urls]
