"""Generated pages: one MyST page per case study and the catalogue that links them.

Pages are plain MyST (no notebook kernel per case). Every value from a record passes through
`md_escape` or `summary_html` (text.py); nothing from a record is interpreted as markup.
Case pages are orphans (outside the table of contents): putting thousands of pages in the
navigation makes every page render the whole tree, which is quadratic in the number of records.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..records.datasets import CATALOGUE_INDEX_FILE, CATALOGUE_TEXT_FILE, EXPORT_FILES
from ..records.filecache import FileCache
from ..records.history import Edition
from ..records.kb import CONTEXT_GLOBS, KnowledgeBase, digest_inputs
from ..records.schema import COMPARE_PAGE, LIST_FOLDER, CaseStudy
from .caseoutcomes import outcomes_block
from .html import plural, render
from .text import (
    md_escape,
    md_token,
    plain_summary,
    raw_html_block,
    safe_url,
    shown_text,
    summary_html,
)
from .whatsnew import last_changed_text

CASES_DIR = "cases"  # generated, git-ignored: <root>/cases/<id>.md and cases/index.md
# The complete list for readers without JavaScript, A to Z, in a sub-folder so no case-study id can
# collide with a list page. While every case study fits on one page it is cases/list/1.md; beyond that,
# one page per first letter of the title (cases/list/a.md, b.md...), and a letter with too many rows
# is split by the next letter (cases/list/sa.md, se.md...). Pages are cut by title, never by position,
# so a new or renamed record changes the one page its title belongs on, not every page after it.
LIST_DIR = f"{CASES_DIR}/{LIST_FOLDER}"  # schema.RESERVED_IDS keeps records off these names
LIST_PAGE_ROWS = 200
SINGLE_LIST_PAGE = "1"
GENERATED_MARK = "<!-- Generated from case_studies/ by the evidencebook extension: edit the record, not this page. -->"


def case_docname(case_id: str) -> str:
    return f"{CASES_DIR}/{case_id}"


def page_url(case_id: str, base_url: str = "") -> str:
    """A case page's address: under `base_url` (the site's), or relative to the site's root without one."""
    path = f"{case_docname(case_id)}.html"
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def place_label(kb: KnowledgeBase, record: CaseStudy) -> str:
    """'Sunderland, North East, England' as plain text."""
    v = kb.vocabularies
    parts = [record.place.name]
    if record.place.region:
        parts.append(v["regions"].label(record.place.region))
    parts.append(v["countries"].label(record.place.country))
    return ", ".join(dict.fromkeys(parts))


def sort_title(record: CaseStudy) -> str:
    # Leading quotes and other punctuation do not count: "'Umbrella'" files under U.
    return re.sub(r"^\W+", "", record.title).casefold()


def catalogue_order(kb: KnowledgeBase) -> list[CaseStudy]:
    """Records as the catalogue lists them: A to Z by title."""
    return sorted(kb.records.values(), key=lambda r: (sort_title(r), r.id))


@dataclass
class ListPage:
    name: str  # the page is cases/list/<name>.md
    prefix: str | None  # every title on it starts with this (as sort_title has it); None: the single page
    records: list[CaseStudy]

    @property
    def docname(self) -> str:
        return f"{LIST_DIR}/{self.name}"

    @property
    def shown_prefix(self) -> str:
        """The prefix as the first title writes it ("Synthetic case study 01")."""
        prefix = self.prefix or ""
        title = re.sub(r"^\W+", "", self.records[0].title) if self.records else ""
        written = title[: len(prefix)]
        return written if written.casefold() == prefix else prefix.capitalize()


def list_pages(kb: KnowledgeBase) -> list[ListPage]:
    """The complete A-Z list: one page while it fits, else pages by the first letters of the titles."""
    records = catalogue_order(kb)
    if len(records) <= LIST_PAGE_ROWS:
        return [ListPage(SINGLE_LIST_PAGE, None, records)]
    # Each title's sort form is computed once: the split goes as many levels deep as titles share
    # letters ("synthetic case study 0..."), and each level looks at every title under it.
    return list(pages_by_prefix("", [(sort_title(r), r) for r in records]))


def pages_by_prefix(prefix: str, keyed: list[tuple[str, CaseStudy]]):
    """Pages of the titles (as (sort title, record), in catalogue order) starting with `prefix` and one
    more character each, in A-Z order; a page with too many rows is split again by the next
    character. Titles equal to `prefix` cannot be split."""
    groups: dict[str, list[tuple[str, CaseStudy]]] = {}
    end = len(prefix) + 1
    for item in keyed:  # in catalogue order, so the groups (and their rows) are in order too
        groups.setdefault(item[0][:end], []).append(item)
    for longer, group in groups.items():
        if len(group) > LIST_PAGE_ROWS and longer != prefix:
            yield from pages_by_prefix(longer, group)
        else:
            yield ListPage(list_page_name(longer), longer, [record for _, record in group])


def list_page_name(prefix: str) -> str:
    """A file name for the page of `prefix`: letters and digits as they are, a space as "-", anything
    else as _<hex code>_ (so no two prefixes share a name); "_" for titles of punctuation only."""
    if not prefix:
        return "_"
    return "".join(c if c.isascii() and c.isalnum() else "-" if c == " " else f"_{ord(c):x}_" for c in prefix)


class PageWriter:
    """Renders pages for one knowledge base, with its vocabularies at hand."""

    def __init__(self, kb: KnowledgeBase, last_changed: dict[str, Edition] | None = None):
        self.kb = kb
        self.v = kb.vocabularies
        self.last_changed = last_changed  # record id -> the edition it last changed in (None: history unknown)

    def label(self, vocab: str, term: str) -> str:
        return md_escape(self.v[vocab].label(term))

    # --- pieces -----------------------------------------------------------------------------------

    def place_text(self, record: CaseStudy) -> str:
        return md_escape(place_label(self.kb, record))

    def period_text(self, record: CaseStudy) -> str:
        start, end = record.period.start, record.period.end
        if start and end:
            return f"{start}–{end}" if start != end else str(start)
        if start:
            return f"from {start}"
        if end:
            return f"until {end}"
        return "not stated"

    def evidence_badge(self, record: CaseStudy) -> str:
        etype = record.evidence.type
        return f"[{self.label('evidence_types', etype)}]{{.evidence-badge .evidence-{md_token(etype)}}}"

    def compare_domains(self, record: CaseStudy) -> list[tuple[str, str]]:
        """The domains of a record's outcomes as (id, label), in vocabulary order."""
        used = {o.domain for o in record.outcomes}
        return [(t.id, t.label) for t in self.v["outcome_domains"].terms if t.id in used]

    # --- the case page ----------------------------------------------------------------------------

    def case_page(self, record: CaseStudy) -> str:
        r = record
        description = plain_summary(r.summary, 200)
        lines = [
            "---",
            "orphan: true",
            "myst:",
            "  html_meta:",
            f"    description: {json.dumps(description, ensure_ascii=False)}",
            "---",
            GENERATED_MARK,
            "",
            f"(case-{md_token(r.id)})=",
            f"# {md_escape(r.title)}",
            "",
            ":::{div} case-facts",
            "",
            f":Place: {self.place_text(r)}",
            f":Level: {self.label('levels', r.level)}",
            f":Model: {', '.join(self.label('models', m) for m in r.model)}",
            f":Period: {self.period_text(r)}",
            f":Status: {self.label('statuses', r.status)}",
            f":Themes: {', '.join(self.label('themes', t) for t in r.themes)}",
            f":Evidence: {self.evidence_badge(r)}",
        ]
        if r.organisations:
            lines.append(f":Organisations: {'; '.join(md_escape(o) for o in r.organisations)}")
        # The record's file: where a contributor corrects the page, and its id, which search finds.
        lines.append(f":Record: `case_studies/{md_token(r.id)}.yml`")
        changed = last_changed_text(self.last_changed.get(r.id)) if self.last_changed is not None else ""
        if changed:  # which edition last changed it (What's new, records/history.py)
            lines.append(f":Last changed: {changed}")
        lines += [":::", "", raw_html_block(render("case_summary.html", summary=summary_html(r.summary))), ""]
        lines += ["## Evidence", "", f"{self.evidence_badge(r)} {md_escape(r.evidence.appraisal)}", ""]
        lines += ["## Outcomes", ""]
        if r.outcomes:
            lines += [
                outcomes_block(self.kb, r),
                "",
                raw_html_block(render("compare_link.html", page=f"{COMPARE_PAGE}.html", case_id=r.id, domains=self.compare_domains(r))),
                "",
            ]
        else:
            lines += ["The sources give no figures for this case study.", ""]
        if r.examples:
            lines += ["## Examples", ""]
            for ex in r.examples:
                lines += [f"### {md_escape(ex.title)}", "", raw_html_block(summary_html(ex.summary)), ""]
                if ex.themes:
                    lines += [f"Themes: {', '.join(self.label('themes', t) for t in ex.themes)}.", ""]
                lines += [f"Source: {{cite:p}}`{md_token(ex.source.key)}`, {md_escape(ex.source.locator)}.", ""]
        if r.illustrates:
            items = self.v["framework_items"]
            lines += ["## Frameworks it illustrates", ""]
            lines += [f"- {md_escape(items.by_id[i].framework_title or '')}: {md_escape(items.label(i))}" for i in r.illustrates]
            lines.append("")
        if r.related:
            lines += ["## Related case studies", ""]
            lines += [f"- [{md_escape(self.kb.records[o].title if o in self.kb.records else o)}]({md_token(o)}.md)" for o in r.related]
            lines.append("")
        if r.links:
            lines += ["## Links", ""]
            links = [{"url": link.url, "title": shown_text(link.title)} for link in r.links if safe_url(link.url)]
            lines += [raw_html_block(render("case_links.html", links=links))]
            lines.append("")
        lines += ["## Sources", ""]
        cite = self.kb.bibliography.citation_text
        lines += [f"- {md_escape(cite(s.key))} {{cite:p}}`{md_token(s.key)}` — {md_escape(s.locator)}" for s in r.sources]
        lines.append("")
        return "\n".join(lines)

    # --- the catalogue ----------------------------------------------------------------------------
    # cases/index: a few lines of HTML whatever the number of records. static/js/catalogue.js builds
    # the filters and the result list from data/catalogue-index.json (export.py). The complete list,
    # readable without JavaScript, is on the A-Z list pages it links to.

    def catalogue_page(self) -> str:
        count = len(self.kb.records)
        pages = list_pages(self.kb)
        lines = [
            "---",
            "html_theme.sidebar_secondary.remove: true",  # the filters and results need the width
            "---",
            GENERATED_MARK,
            "",
            "(catalogue)=",
            "# Case studies",
            "",
            f"The knowledge base holds {plural(count, 'case study', 'case studies')}. Filter them by theme, place, kind of outcome and more, "
            "or search their titles, places and summaries; the address of the page keeps your filters, so you can "
            "share or bookmark it.",
            "",
            raw_html_block(render("catalogue.html", index_file=CATALOGUE_INDEX_FILE, text_file=CATALOGUE_TEXT_FILE)),
            "",
            "## Every case study, A to Z",
            "",
        ]
        for page in pages:
            if page.prefix is None:
                lines.append(f"- [{md_escape(self.list_title(page, count))}]({LIST_FOLDER}/{page.name}.md)")
                continue
            titles = dict.fromkeys([page.records[0].title, page.records[-1].title])
            about = f"{plural(len(page.records), 'case study', 'case studies')}, {' … '.join(titles)}"
            lines.append(f"- [{md_escape(page.shown_prefix or 'Symbols')}]({LIST_FOLDER}/{page.name}.md): {md_escape(about)}")
        lines += [
            "",
            raw_html_block(render("catalogue_downloads.html", files=EXPORT_FILES)),
            "",
        ]
        return "\n".join(lines)

    def list_title(self, page: ListPage, count: int) -> str:
        if page.prefix is None:
            return f"All {plural(count, 'case study', 'case studies')}"
        return f"Case studies: {page.shown_prefix}" if page.shown_prefix else "Case studies whose titles start with a symbol"

    def list_page(self, page: ListPage, neighbours: tuple[ListPage | None, ListPage | None]) -> str:
        """One page of the A-Z list. Only the single page counts every record: a page of one letter
        names its neighbours, not all the others, so a new record changes its own page alone."""
        count = len(self.kb.records)
        lines = [
            "---",
            "orphan: true",
            "---",
            GENERATED_MARK,
            "",
            f"# {md_escape(self.list_title(page, count))}",
            "",
        ]
        if page.prefix is None:
            lines += [f"A to Z by title. The [catalogue](../index.md) filters and searches all {plural(count, 'case study', 'case studies')}.", ""]
        else:
            lines += ["A to Z by title. The [catalogue](../index.md) filters and searches every case study, and lists every page of this list.", ""]
            steps = [
                f"{word}: [{md_escape(other.shown_prefix or 'symbols')}]({other.name}.md)"
                for word, other in zip(("Previous", "Next"), neighbours, strict=True)
                if other is not None
            ]
            lines += [" · ".join(steps), ""] if steps else []
        lines += [
            "| Case study | Place | Level | Model | Themes | Evidence |",
            "|---|---|---|---|---|---|",
        ]
        for r in page.records:
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"[{md_escape(r.title)}](../{md_token(r.id)}.md)",
                        self.place_text(r),
                        self.label("levels", r.level),
                        ", ".join(self.label("models", m) for m in r.model),
                        ", ".join(self.label("themes", t) for t in r.themes),
                        self.evidence_badge(r),
                    ]
                )
                + " |"
            )
        return "\n".join(lines) + "\n"


def open_page_cache(kb: KnowledgeBase) -> FileCache:
    """Which case pages are up to date: rendering a thousand pages to compare them takes a second or more.
    A page depends on its record, the titles of its related records, and the shared context (vocabulary
    labels, references, frameworks and this library), which keys the whole cache."""
    return FileCache.open(kb.root, "case-pages", digest_inputs(kb.root, CONTEXT_GLOBS))


def page_key(kb: KnowledgeBase, record: CaseStudy, last_changed: str = "") -> str:
    related = "\0".join(kb.records[o].title if o in kb.records else o for o in record.related)
    return hashlib.sha256((record.model_dump_json() + "\0" + related + "\0" + last_changed).encode()).hexdigest()


def list_page_key(page: ListPage, neighbours: tuple[ListPage | None, ListPage | None], keys: dict[str, str], count: int) -> str:
    """What an A-Z list page is written from: its records (by their case pages' keys, which cover every
    field a row shows), its neighbours' names as linked and, on the single page, the number of records; the
    cache itself is keyed by the shared context (vocabulary labels, this library)."""
    parts = [page.name, str(page.prefix), *(f"{other.name}:{other.shown_prefix}" if other else "" for other in neighbours)]
    parts += [str(count)] if page.prefix is None else []
    parts += [f"{record.id}:{keys[record.id]}" for record in page.records]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def write_if_changed(path: Path, text: str) -> bool:
    """Write only when the content differs, so Sphinx re-reads only pages that really changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")  # a build killed mid-write never leaves half a page
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


def generate_pages(kb: KnowledgeBase, last_changed: dict[str, Edition] | None = None) -> dict[str, list[str]]:
    """Write cases/<id>.md for every record, cases/index.md and the A-Z list pages (cases/list/*.md);
    remove pages of deleted records and list pages no longer needed. `last_changed` says in which
    edition each record last changed (records/history.py; None when the history is not known)."""
    out_dir = kb.root / CASES_DIR
    writer = PageWriter(kb, last_changed)
    changed, removed = [], []
    wanted = {f"{rid}.md" for rid in kb.records} | {"index.md", f"{COMPARE_PAGE}.md"}  # compare.py writes the latter
    rendered = open_page_cache(kb)
    keys: dict[str, str] = {}
    for rid, record in kb.records.items():
        edition = (last_changed or {}).get(rid)
        path = out_dir / f"{rid}.md"
        key = keys[rid] = page_key(kb, record, last_changed_text(edition) if last_changed is not None else "")
        hit, written = rendered.get(rid, key)
        if hit and file_stamp(path) == written:
            continue  # same record, same context, and the page on disk is the one written for it
        if write_if_changed(path, writer.case_page(record)):
            changed.append(case_docname(rid))
        rendered.put(rid, key, file_stamp(path))
    if write_if_changed(out_dir / "index.md", writer.catalogue_page()):
        changed.append(f"{CASES_DIR}/index")
    pages = list_pages(kb)
    for i, page in enumerate(pages):
        neighbours = (pages[i - 1] if i else None, pages[i + 1] if i + 1 < len(pages) else None)
        path, key = kb.root / f"{page.docname}.md", list_page_key(page, neighbours, keys, len(kb.records))
        hit, written = rendered.get(page.docname, key)  # list pages' names hold a "/": never a record id
        if hit and file_stamp(path) == written:
            continue  # rendering all of them again took half a second at 10,000 records
        if write_if_changed(path, writer.list_page(page, neighbours)):
            changed.append(page.docname)
        rendered.put(page.docname, key, file_stamp(path))
    rendered.save()
    wanted_lists = {f"{page.name}.md" for page in pages}
    for path in sorted(out_dir.glob("*.md")):
        if path.name not in wanted:
            path.unlink()
            removed.append(f"{CASES_DIR}/{path.stem}")
    for path in sorted((kb.root / LIST_DIR).glob("*.md")):
        if path.name not in wanted_lists:
            path.unlink()
            removed.append(f"{LIST_DIR}/{path.stem}")
    return {"changed": changed, "removed": removed}
