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
from pathlib import Path

from ..records.filecache import FileCache
from ..records.kb import CONTEXT_GLOBS, KnowledgeBase, digest_inputs
from ..records.schema import LIST_FOLDER, CaseStudy, Outcome, SourceRef
from .html import plural
from .text import (
    Markup,
    format_figure,
    md_escape,
    md_token,
    plain_summary,
    raw_html_block,
    safe_url,
    shown_text,
    summary_html,
)

CASES_DIR = "cases"  # generated, git-ignored: <root>/cases/<id>.md and cases/index.md
# The complete list for readers without JavaScript, A to Z in pages: cases/list/1.md, 2.md... A
# sub-folder, so no case-study id can collide with a list page. Pages of 200 rows stay small to load, and quick
# to rebuild when a title in them changes.
LIST_DIR = f"{CASES_DIR}/{LIST_FOLDER}"  # schema.RESERVED_IDS keeps records off these names
LIST_PAGE_ROWS = 200
CATALOGUE_INDEX_FILE = "catalogue-index.json"  # written into data/ with the exports (export.py)
CATALOGUE_TEXT_FILE = "catalogue-text.json"
GENERATED_MARK = "<!-- Generated from case_studies/ by the evidencebook extension: edit the record, not this page. -->"


def case_docname(case_id: str) -> str:
    return f"{CASES_DIR}/{case_id}"


def place_label(kb: KnowledgeBase, record: CaseStudy) -> str:
    """'Sunderland, North East, England' as plain text."""
    v = kb.vocabularies
    parts = [record.place.name]
    if record.place.region:
        parts.append(v["regions"].label(record.place.region))
    parts.append(v["countries"].label(record.place.country))
    return ", ".join(dict.fromkeys(parts))


def catalogue_order(kb: KnowledgeBase) -> list[CaseStudy]:
    """Records as the catalogue lists them: A to Z by title."""
    # Leading quotes and other punctuation do not count: "'Umbrella'" files under U.
    return sorted(kb.records.values(), key=lambda r: (re.sub(r"^\W+", "", r.title).casefold(), r.id))


def list_docname(number: int) -> str:
    return f"{LIST_DIR}/{number}"


def list_chunks(kb: KnowledgeBase) -> list[list[CaseStudy]]:
    """The complete A-Z list cut into pages of at most LIST_PAGE_ROWS rows (at least one page)."""
    records = catalogue_order(kb)
    return [records[i : i + LIST_PAGE_ROWS] for i in range(0, len(records), LIST_PAGE_ROWS)] or [[]]


class PageWriter:
    """Renders pages for one knowledge base, with its vocabularies at hand."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.v = kb.vocabularies

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

    def source_cell(self, source: SourceRef | None, fallback: SourceRef) -> str:
        ref = source or fallback
        return f"{{cite:p}}`{md_token(ref.key)}`, {md_escape(ref.locator)}"

    def outcome_row(self, record: CaseStudy, outcome: Outcome) -> str:
        figure = format_figure(outcome.value, outcome.value_max, outcome.unit, outcome.scale, outcome.qualifier)
        value = md_escape(figure) if figure else "*no figure*"
        if outcome.direction:
            value += f" ({md_escape(outcome.direction)})"
        kind = f"[{self.label('outcome_kinds', outcome.kind)}]{{.outcome-kind .kind-{md_token(outcome.kind)}}}"
        notes = md_escape(outcome.note) if outcome.note else ""
        cells = [
            md_escape(outcome.metric),
            value,
            kind,
            md_escape(outcome.comparison or "—"),
            md_escape(outcome.period or "—"),
            self.source_cell(outcome.source, record.sources[0]),
            notes,
        ]
        return "| " + " | ".join(cells) + " |"

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
            f":Themes: {', '.join(self.label('themes', t) for t in r.themes)}",
            f":Evidence: {self.evidence_badge(r)}",
        ]
        if r.organisations:
            lines.append(f":Organisations: {'; '.join(md_escape(o) for o in r.organisations)}")
        lines += [":::", "", raw_html_block(f'<div class="case-summary">\n{summary_html(r.summary)}</div>'), ""]
        lines += ["## Evidence", "", f"{self.evidence_badge(r)} {md_escape(r.evidence.appraisal)}", ""]
        lines += ["## Outcomes", ""]
        if r.outcomes:
            lines += [
                "| Measure | Figure | Kind | Compared with | Period | Source | Note |",
                "|---|---|---|---|---|---|---|",
                *(self.outcome_row(r, o) for o in r.outcomes),
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
            # Raw HTML, escaped once: a MyST link escapes its address twice, so "?a=1&b=2" would break.
            item = Markup('<li><a class="reference external" rel="nofollow noopener" href="{}">{}</a></li>')
            items = Markup("").join(item.format(link.url, shown_text(link.title)) for link in r.links if safe_url(link.url))
            lines += [raw_html_block(Markup('<ul class="kb-links">{}</ul>').format(items))]
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
        chunks = list_chunks(self.kb)
        lines = [
            GENERATED_MARK,
            "",
            "(catalogue)=",
            "# Case studies",
            "",
            f"The knowledge base holds {plural(count, 'case study', 'case studies')}. Filter them by theme, place, kind of outcome and more, "
            "or search their titles, places and summaries; the address of the page keeps your filters, so you can "
            "share or bookmark it.",
            "",
            raw_html_block(
                '<div class="kb-catalogue" data-kb-module="catalogue" '
                f'data-kb-index="../data/{CATALOGUE_INDEX_FILE}" data-kb-text="../data/{CATALOGUE_TEXT_FILE}">\n'
                '<noscript><p class="kb-catalogue-nojs">The filters need JavaScript. Every case study is listed, '
                "A to Z, on the pages below.</p></noscript>\n</div>"
            ),
            "",
            "## Every case study, A to Z",
            "",
        ]
        for number, chunk in enumerate(chunks, 1):
            lines.append(f"- [{md_escape(self.list_title(number, chunk, count))}]({number_path(number)})")
        lines += [
            "",
            raw_html_block(
                '<p class="kb-downloads">Download every record: <a href="../data/case-studies.json">JSON</a>, '
                '<a href="../data/case-studies.csv">CSV, one row per case study</a>, '
                '<a href="../data/outcomes.csv">CSV, one row per outcome</a>.</p>'
            ),
            "",
        ]
        return "\n".join(lines)

    def list_title(self, number: int, chunk: list[CaseStudy], count: int) -> str:
        if len(chunk) == count:
            return f"All {plural(count, 'case study', 'case studies')}"
        first = (number - 1) * LIST_PAGE_ROWS + 1
        return f"Case studies {first} to {first + len(chunk) - 1}: {chunk[0].title} … {chunk[-1].title}"

    def list_page(self, number: int, chunk: list[CaseStudy], pages: int) -> str:
        count = len(self.kb.records)
        lines = [
            "---",
            "orphan: true",
            "---",
            GENERATED_MARK,
            "",
            f"# {md_escape(self.list_title(number, chunk, count))}",
            "",
            f"A to Z by title. The [catalogue](../index.md) filters and searches all {count} case studies.",
            "",
        ]
        if pages > 1:
            others = [f"[{n}]({n}.md)" if n != number else f"**{n}**" for n in range(1, pages + 1)]
            lines += [f"Pages: {' '.join(others)}", ""]
        lines += [
            "| Case study | Place | Level | Model | Themes | Evidence |",
            "|---|---|---|---|---|---|",
        ]
        for r in chunk:
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


def number_path(number: int) -> str:
    """A list page's path relative to the catalogue (cases/index.md)."""
    return f"{list_docname(number).removeprefix(CASES_DIR + '/')}.md"


def open_page_cache(kb: KnowledgeBase) -> FileCache:
    """Which case pages are up to date: rendering a thousand pages to compare them takes a second or more.
    A page depends on its record, the titles of its related records, and the shared context (vocabulary
    labels, references, frameworks and this library), which keys the whole cache."""
    return FileCache.open(kb.root, "case-pages", digest_inputs(kb.root, CONTEXT_GLOBS))


def page_key(kb: KnowledgeBase, record: CaseStudy) -> str:
    related = "\0".join(kb.records[o].title if o in kb.records else o for o in record.related)
    return hashlib.sha256((record.model_dump_json() + "\0" + related).encode()).hexdigest()


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


def generate_pages(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Write cases/<id>.md for every record, cases/index.md and the A-Z list pages (cases/list/<n>.md);
    remove pages of deleted records and list pages no longer needed."""
    out_dir = kb.root / CASES_DIR
    writer = PageWriter(kb)
    changed, removed = [], []
    wanted = {f"{rid}.md" for rid in kb.records} | {"index.md"}
    rendered = open_page_cache(kb)
    for rid, record in kb.records.items():
        path, key = out_dir / f"{rid}.md", page_key(kb, record)
        hit, written = rendered.get(rid, key)
        if hit and file_stamp(path) == written:
            continue  # same record, same context, and the page on disk is the one written for it
        if write_if_changed(path, writer.case_page(record)):
            changed.append(case_docname(rid))
        rendered.put(rid, key, file_stamp(path))
    rendered.save()
    if write_if_changed(out_dir / "index.md", writer.catalogue_page()):
        changed.append(f"{CASES_DIR}/index")
    chunks = list_chunks(kb)
    for number, chunk in enumerate(chunks, 1):
        if write_if_changed(kb.root / f"{list_docname(number)}.md", writer.list_page(number, chunk, len(chunks))):
            changed.append(list_docname(number))
    wanted_lists = {f"{n}.md" for n in range(1, len(chunks) + 1)}
    for path in sorted(out_dir.glob("*.md")):
        if path.name not in wanted:
            path.unlink()
            removed.append(f"{CASES_DIR}/{path.stem}")
    for path in sorted((kb.root / LIST_DIR).glob("*.md")):
        if path.name not in wanted_lists:
            path.unlink()
            removed.append(f"{LIST_DIR}/{path.stem}")
    return {"changed": changed, "removed": removed}
