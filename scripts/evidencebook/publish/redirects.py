"""Old case-study addresses: each id in a record's `previous_ids` keeps cases/<old-id>.html, a small
page that redirects to the case study's page (issue 20). The rules in records/rules/record.py make sure
an old id is nobody's current id and redirects to one page only."""

from __future__ import annotations

from pathlib import Path

from ..records.kb import KnowledgeBase
from .html import render
from .render import CASES_DIR, case_docname, write_if_changed


def redirect_targets(kb: KnowledgeBase) -> dict[str, str]:
    """{old id: the id of the case study it is now}, for every previous id of every record."""
    return {old: rid for rid, record in kb.records.items() for old in record.previous_ids}


def redirect_docnames(kb: KnowledgeBase) -> set[str]:
    return {case_docname(old) for old in redirect_targets(kb)}


def redirect_page(kb: KnowledgeBase, target_id: str, site: str) -> str:
    """The redirect page's HTML. The refresh and the link are relative (the page sits beside its target in
    cases/), so they work on any host; the canonical address is absolute when the site's is configured."""
    target = f"{target_id}.html"
    canonical = f"{site}{case_docname(target_id)}.html" if site else target
    return render("redirect_page.html", target=target, canonical=canonical, title=kb.records[target_id].title) + "\n"


def write_redirects(kb: KnowledgeBase, outdir: Path, site: str) -> list[Path]:
    """Write cases/<old-id>.html for every previous id (only when its content changed); returns their paths.
    Redirect pages no longer wanted are removed with the other pages no longer generated (sphinx/extension.py)."""
    written = []
    for old, target_id in sorted(redirect_targets(kb).items()):
        path = outdir / CASES_DIR / f"{old}.html"
        write_if_changed(path, redirect_page(kb, target_id, site))
        written.append(path)
    return written
