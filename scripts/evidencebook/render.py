"""Generated pages: one MyST page per case study and the catalogue that links them.

Pages are plain MyST (no notebook kernel per case). Every value from a record passes through
`md_escape` or `summary_html` (text.py); nothing from a record is interpreted as markup.
Case pages are orphans (outside the table of contents): putting thousands of pages in the
navigation makes every page render the whole tree, which is quadratic in the number of records.
"""

from __future__ import annotations

import json
from pathlib import Path

from .kb import KnowledgeBase
from .schema import CaseStudy, Outcome, SourceRef
from .text import format_figure, md_escape, plain_summary, raw_html_block, summary_html

CASES_DIR = "cases"  # generated, git-ignored: <root>/cases/<id>.md and cases/index.md
GENERATED_MARK = "<!-- Generated from case_studies/ by the evidencebook extension: edit the record, not this page. -->"


def case_docname(case_id: str) -> str:
    return f"{CASES_DIR}/{case_id}"


class PageWriter:
    """Renders pages for one knowledge base, with its vocabularies at hand."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.v = kb.vocabularies

    def label(self, vocab: str, term: str) -> str:
        return md_escape(self.v[vocab].label(term))

    # --- pieces -----------------------------------------------------------------------------------

    def place_text(self, record: CaseStudy) -> str:
        parts = [record.place.name]
        if record.place.region:
            parts.append(self.v["regions"].label(record.place.region))
        parts.append(self.v["countries"].label(record.place.country))
        return md_escape(", ".join(dict.fromkeys(parts)))

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
        return f"[{self.label('evidence_types', etype)}]{{.evidence-badge .evidence-{etype}}}"

    def source_cell(self, source: SourceRef | None, fallback: SourceRef) -> str:
        ref = source or fallback
        return f"{{cite:p}}`{ref.key}`, {md_escape(ref.locator)}"

    def outcome_row(self, record: CaseStudy, outcome: Outcome) -> str:
        figure = format_figure(outcome.value, outcome.value_max, outcome.unit, outcome.scale, outcome.qualifier)
        value = md_escape(figure) if figure else "*no figure*"
        if outcome.direction:
            value += f" ({md_escape(outcome.direction)})"
        kind = f"[{self.label('outcome_kinds', outcome.kind)}]{{.outcome-kind .kind-{outcome.kind}}}"
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
            f"(case-{r.id})=",
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
                lines += [f"Source: {{cite:p}}`{ex.source.key}`, {md_escape(ex.source.locator)}.", ""]
        if r.illustrates:
            items = self.v["framework_items"]
            lines += ["## Frameworks it illustrates", ""]
            lines += [f"- {md_escape(items.by_id[i].extra.get('framework_title') or '')}: {md_escape(items.label(i))}" for i in r.illustrates]
            lines.append("")
        if r.related:
            lines += ["## Related case studies", ""]
            lines += [f"- [{md_escape(self.kb.records[o].title if o in self.kb.records else o)}]({o}.md)" for o in r.related]
            lines.append("")
        if r.links:
            lines += ["## Links", ""]
            lines += [f"- [{md_escape(link.title)}](<{link.url}>)" for link in r.links]
            lines.append("")
        lines += ["## Sources", ""]
        cite = self.kb.bibliography.citation_text
        lines += [f"- {md_escape(cite(s.key))} {{cite:p}}`{s.key}` — {md_escape(s.locator)}" for s in r.sources]
        lines.append("")
        return "\n".join(lines)

    # --- the catalogue ----------------------------------------------------------------------------

    def catalogue_page(self) -> str:
        records = list(self.kb.records.values())
        lines = [
            GENERATED_MARK,
            "",
            "(catalogue)=",
            "# Case studies",
            "",
            f"The knowledge base holds {len(records)} case studies. Each row links to the case study's page.",
            "",
            raw_html_block(
                '<p class="kb-downloads">Download every record: <a href="../data/case-studies.json">JSON</a>, '
                '<a href="../data/case-studies.csv">CSV, one row per case study</a>, '
                '<a href="../data/outcomes.csv">CSV, one row per outcome</a>.</p>'
            ),
            "",
            "| Case study | Place | Level | Model | Themes | Evidence |",
            "|---|---|---|---|---|---|",
        ]
        for r in records:
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"[{md_escape(r.title)}]({r.id}.md)",
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


def write_if_changed(path: Path, text: str) -> bool:
    """Write only when the content differs, so Sphinx re-reads only pages that really changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def generate_pages(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Write cases/<id>.md for every record and cases/index.md; remove pages of deleted records."""
    out_dir = kb.root / CASES_DIR
    writer = PageWriter(kb)
    changed, removed = [], []
    wanted = {f"{rid}.md" for rid in kb.records} | {"index.md"}
    for rid, record in kb.records.items():
        if write_if_changed(out_dir / f"{rid}.md", writer.case_page(record)):
            changed.append(case_docname(rid))
    if write_if_changed(out_dir / "index.md", writer.catalogue_page()):
        changed.append(f"{CASES_DIR}/index")
    for path in sorted(out_dir.glob("*.md")):
        if path.name not in wanted:
            path.unlink()
            removed.append(f"{CASES_DIR}/{path.stem}")
    return {"changed": changed, "removed": removed}
