"""What a page of the built book weighs: the page and every file it loads, raw and gzip-compressed.

Issue #19's budget: the home page and a case page at most 300 KB compressed and 1,000 KB uncompressed
with everything they load; chart pages at most 1.5 MB uncompressed. The size test
(tests/test_weight.py) and the benchmark (scripts/bench.py --weights) both measure with this module.

What a page loads is read from its HTML: scripts, style sheets (and the files they import or point
to with url(), fonts aside: a browser fetches a font only when some text uses it), preloads, icons
and images, and the data file a catalogue-like page fetches as it opens (data-kb-index). A browser
test checks that Chromium fetches nothing this list leaves out (a font included).
"""

from __future__ import annotations

import functools
import gzip
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

KB = 1000  # the budget's kilobyte: 1,000 bytes, the stricter reading


@dataclass(frozen=True)
class Budget:
    raw: int
    gzip: int | None = None  # None: no limit on the compressed size


PAGE_BUDGET = Budget(raw=1000 * KB, gzip=300 * KB)  # the home page, a case page, the catalogue
CHART_BUDGET = Budget(raw=1500 * KB)  # a page that draws charts, and the search page (its index)
CHART_MARK = 'class="kb-chart'  # a chart's container (chapters/charts.py)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")  # a font is fetched only when some text uses it
_CSS_URL = re.compile(r"""@import\s+["']([^"']+)["']|url\(\s*["']?([^"')]+)["']?\s*\)""")
_LOADING_RELS = {"stylesheet", "preload", "icon", "modulepreload"}


@dataclass(frozen=True)
class Resource:
    path: str  # relative to the site root
    raw: int
    gzip: int


@dataclass(frozen=True)
class Weight:
    page: str
    resources: tuple[Resource, ...]  # the page first

    @property
    def raw(self) -> int:
        return sum(r.raw for r in self.resources)

    @property
    def gzip(self) -> int:
        return sum(r.gzip for r in self.resources)

    def biggest(self, n: int = 5) -> list[Resource]:
        return sorted(self.resources, key=lambda r: r.raw, reverse=True)[:n]

    def over(self, budget: Budget) -> list[str]:
        """What exceeds the budget, in words; empty when the page is within it."""
        found = []
        if self.raw > budget.raw:
            found.append(f"{kb(self.raw)} uncompressed, budget {kb(budget.raw)}")
        if budget.gzip is not None and self.gzip > budget.gzip:
            found.append(f"{kb(self.gzip)} compressed, budget {kb(budget.gzip)}")
        return found

    def describe(self, n: int = 5) -> str:
        parts = ", ".join(f"{r.path} {kb(r.raw)} ({kb(r.gzip)} gzip)" for r in self.biggest(n))
        return f"{self.page}: {kb(self.raw)} ({kb(self.gzip)} gzip) in {len(self.resources)} files; biggest: {parts}"


def kb(size: int) -> str:
    return f"{size / KB:,.1f} KB"


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.found.append(a["src"])
        elif tag == "link" and a.get("href") and _LOADING_RELS & set((a.get("rel") or "").lower().split()):
            self.found.append(a["href"])
        elif tag in ("img", "source", "iframe") and a.get("src"):
            self.found.append(a["src"])
        if a.get("data-kb-index"):  # fetched by the page's script as soon as it runs
            self.found.append(a["data-kb-index"])


def _local(root: Path, base: str, reference: str) -> str | None:
    """The site-relative path of `reference` (relative to the file at `base`), or None when it is not a file of the site."""
    url = urlsplit(urljoin(f"http://site/{base}", reference))
    if url.scheme != "http" or url.netloc != "site":
        return None  # data:, another host
    path = unquote(url.path).lstrip("/")
    return path if (root / path).is_file() else None


def loaded_files(root: Path, page: str) -> list[str]:
    """Every file of the site that `page` (a path relative to `root`) loads, the page first, each once."""
    seen = {page: None}
    queue = [page]
    while queue:
        current = queue.pop(0)
        text = (root / current).read_text(encoding="utf-8", errors="replace")
        if current.endswith(".html"):
            parser = _References()
            parser.feed(text)
            references = parser.found
        elif current.endswith(".css"):
            references = [a or b for a, b in _CSS_URL.findall(_FONT_FACE.sub("", text))]
        else:
            continue
        for reference in references:
            path = _local(root, current, reference)
            if path is not None and path not in seen:
                seen[path] = None
                queue.append(path)
    return list(seen)


@functools.lru_cache(maxsize=512)
def _sizes(path: Path, mtime_ns: int, size: int) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 6))


def weigh(root: Path, page: str, files: list[str] | None = None) -> Weight:
    """The weight of `page` with the files it loads (found by loaded_files unless given)."""
    resources = []
    for name in files if files is not None else loaded_files(root, page):
        path = root / name
        stat = path.stat()
        raw, packed = _sizes(path, stat.st_mtime_ns, stat.st_size)
        resources.append(Resource(name, raw, packed))
    return Weight(page, tuple(resources))


def page_kinds(root: Path) -> dict[str, str]:
    """One page of each kind the budget names, by kind: the case page is the heaviest one."""
    cases = [p for p in (root / "cases").glob("*.html") if p.stem not in ("index", "outcomes")]
    heaviest = max(cases, key=lambda p: p.stat().st_size)
    return {
        "home": "index.html",
        "case page": f"cases/{heaviest.name}",
        "catalogue": "cases/index.html",
        "search": "search.html",
        "summary chapter": "chapters/summary.html",
        "outcomes chapter": "chapters/outcomes.html",
    }


def budget_for(root: Path, page: str) -> Budget:
    if page == "search.html":
        return CHART_BUDGET
    text = (root / page).read_text(encoding="utf-8", errors="replace")
    return CHART_BUDGET if CHART_MARK in text else PAGE_BUDGET


def report(root: Path) -> str:
    """A Markdown table of what each kind of page weighs against its budget (scripts/bench.py --weights)."""
    lines = [
        "| page | file | files | uncompressed | compressed | budget | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, page in page_kinds(root).items():
        if not (root / page).is_file():
            continue
        weight, budget = weigh(root, page), budget_for(root, page)
        limit = kb(budget.raw) + (f" / {kb(budget.gzip)} compressed" if budget.gzip else "")
        lines.append(
            f"| {kind} | {page} | {len(weight.resources)} | {kb(weight.raw)} | {kb(weight.gzip)} | {limit} | "
            f"{'no: ' + '; '.join(weight.over(budget)) if weight.over(budget) else 'yes'} |"
        )
    return "\n".join(lines) + "\n"
