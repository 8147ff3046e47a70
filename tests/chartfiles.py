"""The CSV files a built page's charts offer ("Download the data (CSV)"), read as a reader would get them."""

from __future__ import annotations

import re
from pathlib import Path

CSV_LINK = re.compile(r'<a class="kb-csv" download="([^"]+)\.csv" href="([^"]+)"')
BASE64_CSV = re.compile(r"data:text/csv|data-kb-csv=")  # the data inlined into a page instead of a file


def chart_downloads(page: Path) -> dict[str, str]:
    """Chart name -> the text of the CSV file its link points to (relative to the page)."""
    found = {}
    for name, href in CSV_LINK.findall(page.read_text(encoding="utf-8")):
        found[name] = (page.parent / href).resolve().read_text(encoding="utf-8")
    return found
