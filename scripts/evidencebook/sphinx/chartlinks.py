"""The links in a chart's published CSV file (data/charts/<name>.csv), made to work from the file.

A chart's data holds each mark's link in a column named `url` or `href` (chapters/charts.py), written
relative to the chapter page that draws it (`../cases/<id>.html`, `../cases/index.html?level=place`,
`#egm-...`), as the drawn chart needs them. A downloaded file has no page around it, so as the file is
written (sphinx/chartdata.py) each such link is resolved against that page at the site's configured
address (`html.baseurl` in _config.yml, records/book.py). With no address configured, links are made
relative to the file's own folder instead, so they still work on the built site. The chapter's kernel
never needs to know where the site is.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urljoin, urlsplit

from sphinx.util.osutil import relative_uri

LINK_COLUMNS = frozenset({"url", "href"})  # a chart's link columns, by their header (ignoring case)
BOM = "\ufeff"
_ROOT = "https://site.invalid/"  # stands for the site's root while a link is resolved against its page


def _resolved(link: str, page: str, site: str, file: str) -> str:
    """`link`, relative to `page` (a path from the site's root), from the site's root or from `file`."""
    from_root = urljoin(_ROOT + page, link)
    from_root = from_root[len(_ROOT) :] if from_root.startswith(_ROOT) else ""
    if not from_root:
        return link  # it left the site (a scheme-relative link): as it was
    if site:
        return site + from_root
    path, hash_, fragment = from_root.partition("#")  # relative_uri drops a fragment
    return relative_uri(file, path) + hash_ + fragment


def absolute_links(data: bytes, page: str, site: str, file: str) -> bytes:
    """`data`, a chart's CSV (UTF-8), with every relative link in its link columns resolved: against
    `page`, the page that drew the chart (its path from the site's root, e.g. chapters/overview.html), at
    `site`, the site's address ending in "/"; or, when `site` is "", relative to `file`, where the CSV is
    published (data/charts/<name>.csv). The same bytes when no cell changes; absolute links stay."""
    text = data.decode("utf-8")
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    rows = list(csv.reader(io.StringIO(body, newline="")))
    if not rows:
        return data
    columns = [i for i, name in enumerate(rows[0]) if name.strip().lower() in LINK_COLUMNS]
    changed = False
    for row in rows[1:]:
        for i in columns:
            link = row[i] if i < len(row) else ""
            if link and not urlsplit(link).scheme:
                resolved = _resolved(link, page, site, file)
                changed = changed or resolved != link
                row[i] = resolved
    if not changed:
        return data
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if "\r\n" in body else "\n").writerows(rows)
    return (bom + out.getvalue()).encode("utf-8")
