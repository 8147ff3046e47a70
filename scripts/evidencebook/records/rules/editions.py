"""Rules for the published editions' lists of pages (data/editions/, records/editions.py) against the
records: an address an edition published is a promise that it keeps working."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..editions import ListedPage
from ..problems import Problem
from ..schema import ID_PATTERN, RESERVED_IDS
from .record import RecordEntry
from .registry import rule

# A case study's page as an edition lists it; cases/<folder>/... pages and the generated pages of cases/
# (the catalogue, the comparison: RESERVED_IDS) are the build's own, not a record's.
CASE_PAGE = re.compile(r"^cases/(?P<id>[^/]+)\.html$")


@dataclass(frozen=True)
class PublishedPages:
    """Scope "published-pages": every page path the editions list, and every record file (valid or not)."""

    pages: list[ListedPage]
    entries: list[RecordEntry]


@rule(
    "published-case-page-kept",
    "published-pages",
    "Every case page a published edition lists (data/editions/) is a case study's id or in a record's `previous_ids`, so its address still leads somewhere.",
)
def published_case_page_kept(published: PublishedPages):
    current = {entry.stem for entry in published.entries}
    previous = {listed.value for entry in published.entries for listed in entry.id_lists["previous_ids"]}
    for page in published.pages:
        match = CASE_PAGE.fullmatch(page.path)
        if not match or match["id"] in RESERVED_IDS or not re.fullmatch(ID_PATTERN, match["id"]):
            continue
        case_id = match["id"]
        if case_id in current or case_id in previous:
            continue
        yield Problem(
            page.file,
            page.line,
            "(line)",
            f"{page.path}, published in this edition, is the page of the case study {case_id!r}, which is no longer a "
            "record's id nor in any record's previous_ids, so the address would break",
            f"if it was renamed or merged, add {case_id!r} to previous_ids of the record that replaced it; a published case "
            f"study is removed only on purpose: list {case_id!r} in previous_ids of the case study its readers should go to "
            f"instead, or restore case_studies/{case_id}.yml",
        )
