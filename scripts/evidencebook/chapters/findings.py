"""Figures and lists for the introduction and the summary of findings.

The chapters' prose is written by people; every number and every computed list in it comes from
here, pasted with MyST `glue`, so adding a record changes them. `check_claim` lets a chapter assert
that the case studies a written claim cites still fit the claim (the build fails if a record changes
so that they no longer do).
"""

from __future__ import annotations

from collections import Counter

from ..publish.catalogue import catalogue_url
from ..publish.text import format_number, md_escape, md_token
from ..records.datasets import POPULATION, load_package
from ..records.kb import KnowledgeBase
from .reading import citing_cases
from .tables import names_html, names_per_cell

# Evidence types that compare the people or places reached with others not reached.
COMPARISON_TYPES = ("systematic-review", "randomised-trial", "controlled-comparison")


def case_links(ids, more_href: str | None = None) -> str:
    """MyST: the case studies as {case} links, comma-separated. Above LISTING_LIMIT, the first few and
    "and N more", linked to `more_href` (inline HTML: MyST passes it through; the URL has a query)."""
    ids = list(ids)
    links = [f"{{case}}`{md_token(case_id)}`" for case_id in ids]
    return ", ".join(names_html(links, len(ids), more_href, cap=names_per_cell([len(ids)])))


def comparison_case_links(kb: KnowledgeBase) -> str:
    """The case studies with a comparison group or trial, linked; the rest via the catalogue's evidence filter."""
    return case_links(with_comparison(kb), catalogue_url({"evidence": ",".join(COMPARISON_TYPES)}))


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def with_comparison(kb: KnowledgeBase) -> list[str]:
    return [r.id for r in kb.records.values() if r.evidence.type in COMPARISON_TYPES]


def has_measured_figure(record) -> bool:
    """A measured outcome with a number (some sources report a measured change without one)."""
    return any(o.kind == "measured" and o.value is not None for o in record.outcomes)


def with_measured_outcome(kb: KnowledgeBase) -> list[str]:
    return [r.id for r in kb.records.values() if has_measured_figure(r)]


def key_figures(kb: KnowledgeBase) -> dict[str, int]:
    """Every count the introduction and summary quote, by name."""
    records = list(kb.records.values())
    outcomes = [o for r in records for o in r.outcomes]
    kinds = Counter(o.kind for o in outcomes)
    evidence = Counter(r.evidence.type for r in records)
    england = sum(1 for r in records if r.place.country == "england")
    figures = {
        "cases": len(records),
        "cases_england": england,
        "cases_elsewhere": len(records) - england,
        "countries_elsewhere": len({r.place.country for r in records if r.place.country != "england"}),
        "outcomes": len(outcomes),
        "measured": kinds["measured"],
        "reported": kinds["reported-change"],
        "modelled": kinds["modelled-estimate"],
        "targets": kinds["target"],
        "context": kinds["context"],
        "descriptive": evidence["descriptive"],
        "descriptive_pct": percent(evidence["descriptive"], len(records)),
        "with_comparison": len(with_comparison(kb)),
        "with_measured": len(with_measured_outcome(kb)),
        "glossary_terms": len(kb.glossary),
        "terms_disputed": sum(1 for t in kb.glossary if t.disagreement),
    }
    for level in kb.vocab("levels").terms:
        figures[f"level_{level.id}"] = sum(1 for r in records if r.level == level.id)
    for key, cases in citing_cases(kb).items():
        figures[f"cited_by_{key}"] = len(cases)
    return figures


def glue_figures(figures: dict[str, int]) -> None:
    """Make every figure available to the page as {glue}`name` (nothing shown where glued)."""
    from myst_nb import glue

    for name, value in figures.items():
        glue(name, value, display=False)


def glue_myst(name: str, text: str) -> None:
    """Make MyST text (with roles) available as {glue:md}`name:myst`."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)


def _population(value: str, scale: str) -> str:
    return f"{format_number(float(value))}{' ' + scale if scale else ''}"


def levels_table(kb: KnowledgeBase) -> str:
    """MyST table of the levels: what each covers, its typical population and how many case studies."""
    figures = key_figures(kb)
    lines = ["| Level | What it covers | Typical population | Case studies |", "|---|---|---|---|"]
    for term in kb.vocab("levels").terms:
        low, high = term.population_min, term.population_max
        band = f"{format_number(low)} to {format_number(high)}" if low and high else "—"
        lines.append(f"| {md_escape(term.label)} | {md_escape(term.definition)} | {band} | {figures[f'level_{term.id}']} |")
    return "\n".join(lines)


def population_bands_table(kb: KnowledgeBase) -> str:
    """MyST table of the population each document gives for system, place and neighbourhood."""
    levels = kb.vocab("levels")
    lines = ["| Level | Area as the document describes it | Population | Source |", "|---|---|---|---|"]
    for _, row in load_package(kb.root).raw(POPULATION).iterrows():
        if row["population_min"] and row["population_max"]:
            band = f"{_population(row['population_min'], row['population_min_scale'])} to {_population(row['population_max'], row['population_max_scale'])} {row['unit']}"
        else:
            band = "not given"
        source = f"{{cite:p}}`{md_token(row['source_key'])}`, {md_escape(row['locator'])}"
        lines.append(f"| {md_escape(levels.label(row['level']))} | {md_escape(row['area_described'])} | {md_escape(band)} | {source} |")
    return "\n".join(lines)


def themes_without_evidence(kb: KnowledgeBase) -> tuple[str, str]:
    """MyST lists of themes where (1) no case study reports a measured outcome and (2) some do, but
    none with a comparison group; each theme with its case studies, so a reader can check."""
    themes = kb.vocab("themes")
    unmeasured, uncompared = [], []
    measured = set(with_measured_outcome(kb))
    compared = set(with_comparison(kb))
    for term in themes.terms:
        ids = [r.id for r in kb.records.values() if term.id in r.themes]
        if not ids:
            continue
        line = f"- {md_escape(term.label)} ({len(ids)}): {case_links(ids)}"
        if not measured.intersection(ids):
            unmeasured.append(line)
        elif not compared.intersection(ids):
            uncompared.append(line)
    return "\n".join(unmeasured) or "- none", "\n".join(uncompared) or "- none"


def check_claim(kb: KnowledgeBase, ids: list[str], *, evidence: tuple[str, ...] | None = None, measured: bool | None = None, theme: str | None = None) -> None:
    """Fail (and so fail the build) when a case study a written claim cites no longer fits it."""
    wrong = []
    for case_id in ids:
        record = kb.records.get(case_id)
        if record is None:
            wrong.append(f"{case_id}: no such case study")
            continue
        if evidence is not None and record.evidence.type not in evidence:
            wrong.append(f"{case_id}: evidence is {record.evidence.type}, the claim says {' or '.join(evidence)}")
        if measured is not None and has_measured_figure(record) != measured:
            wrong.append(f"{case_id}: the claim says it {'has' if measured else 'has no'} measured figures")
        if theme is not None and theme not in record.themes:
            wrong.append(f"{case_id}: the claim is about {theme}, which is not among its themes")
    if wrong:
        raise AssertionError("a claim in the text no longer matches the records; reword it:\n" + "\n".join(wrong))
