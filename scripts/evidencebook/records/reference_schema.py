"""The schemas of the book's reference files in data/: frameworks, glossary terms, the integration
checklist and the reading list. Like the record schema (schema.py), each model here is the one place
its file's fields are declared; validation (rules/data.py) and the knowledge base read them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from .schema import LongText, Slug, SourceRef, Strict, Text, vocabulary

# Ids the book's own page elements use start with this (the checklist's tools: kb-checklist-load, ...).
BOOK_ID_PREFIX = "kb-"
# The checklist page writes each item's id as an HTML id as it is, beside ids it makes itself: the book's,
# and ones derived from other ids (chapters/checklist_page.py). No checklist id may start like those.
CHECKLIST_RESERVED_PREFIXES = (BOOK_ID_PREFIX, "theme-", "area-", "text-", "evidence-", "lessons-")


class FrameworkItem(Strict):
    id: Slug = Field(description="Unique across all frameworks, prefixed with the framework's short name, e.g. kf-principle-population.")
    name: Text = Field(description="A short name for the item.")
    definition: LongText = Field(description="What the item means, in our own words.")
    locator: Text = Field(description="Where the source states it (section, page, box).")
    group: Text | None = Field(default=None, description="A sub-heading the item sits under in the source, if any.")
    factors: list[str] = vocabulary(
        "factors", default_factory=list, description="The factors (data/vocabularies/factors.yml) the item is about, linking it to case-study lessons."
    )


class Framework(Strict):
    """A framework a source document organises its argument by (data/frameworks/<id>.yml)."""

    id: Slug = Field(description="The same as the file name without .yml.")
    title: Text = Field(description="The framework's name, e.g. 'Ten design principles for systems of care'.")
    description: LongText = Field(description="What the framework is for, in our own words.")
    source: SourceRef = Field(description="The document that sets it out.")
    items: list[FrameworkItem] = Field(min_length=1, description="The items, in the source's order.")


class GlossaryDefinition(Strict):
    text: LongText = Field(description="The definition, in our own words.")
    source: SourceRef = Field(description="Where the source defines or explains the term.")
    as_of: Text | None = Field(default=None, description="When the definition held, where it changed over time (e.g. '2016').")


def _term_name(value: str) -> str:
    odd = next((ch for ch in value if ch in "`<>"), None)
    if odd is not None:
        raise ValueError(
            f"contains {odd!r}, which a glossary term cannot hold (chapters link a term as {{term}}`name` or "
            "{term}`text <name>`, so the generated glossary could never be linked to): write the term without backticks or angle brackets"
        )
    return value


TermName = Annotated[Text, AfterValidator(_term_name)]


class GlossaryTerm(Strict):
    """A term the documents define (data/glossary/<id>.yml). Several sources may define it differently."""

    id: Slug = Field(description="The same as the file name without .yml.")
    term: TermName = Field(description="The term in full.")
    abbreviation: TermName | None = Field(default=None, description="Its usual abbreviation, e.g. STP.")
    definitions: list[GlossaryDefinition] = Field(min_length=1, description="One per source that defines it.")
    disagreement: LongText | None = Field(default=None, description="Where sources disagree (e.g. on what an abbreviation stands for), say how.")
    see_also: list[Slug] = Field(default_factory=list, description="Ids of related glossary terms.")


class ChecklistItem(Strict):
    id: Slug = Field(description="Unique within the checklist.")
    text: LongText = Field(description="What partners check, restated in our own words.")
    locator: Text = Field(description="Where the item is in the source.")
    factors: list[str] = vocabulary(
        "factors",
        # Required (see _names_factors); the default lets a missing list be reported with the item's id.
        default_factory=list,
        description=(
            "Required: the factors (data/vocabularies/factors.yml) the item's own text is about, judged against each "
            "factor's definition, one to three. The checklist page points from the item to the case studies' lessons "
            "on them. An item about no factor means the vocabulary lacks one: define it there from the documents."
        ),
        examples=[["workforce-and-roles"]],
    )

    @model_validator(mode="after")
    def _names_factors(self) -> ChecklistItem:
        # Every item links to the evidence through its own factors (#21), so none may be left without.
        if not self.factors:
            raise ValueError(
                f"item {self.id!r} names no factor: add `factors` with the one to three factors of "
                "data/vocabularies/factors.yml its text is about, e.g. factors: [workforce-and-roles]"
            )
        return self


class ChecklistArea(Strict):
    """An area of the checklist: a group of items under one heading."""

    id: Slug = Field(description="Unique within the checklist.")
    name: Text = Field(description="The area's heading, as the source gives it.")
    framework_items: list[str] = Field(
        default_factory=list,
        description=(
            "Framework items (ids from data/frameworks, usually areas of stcog-themes) that this area of the checklist "
            "corresponds to: case studies illustrating them show the area's items done."
        ),
        json_schema_extra={"vocabulary": "framework_items"},
    )
    items: list[ChecklistItem] = Field(min_length=1, description="What partners check in this area, in the source's order.")


class ChecklistTheme(Strict):
    """A theme of the checklist: the areas under one of its main headings."""

    id: Slug = Field(description="Unique within the checklist.")
    name: Text = Field(description="The theme's heading, as the source gives it.")
    areas: list[ChecklistArea] = Field(min_length=1, description="Its areas, in the source's order.")


class Checklist(Strict):
    """The integration checklist of *Shifting the centre of gravity* (data/integration-checklist.yml)."""

    id: Slug = Field(description="A short name for the checklist.")
    title: Text = Field(description="The checklist's title.")
    description: LongText = Field(description="What the checklist is for, in our own words.")
    source: SourceRef = Field(description="The document that sets it out.")
    themes: list[ChecklistTheme] = Field(min_length=1, description="Its themes, in the source's order.")


# --- The reading list (data/reading-list.yml) -------------------------------------------------------


class ReadingTopic(Strict):
    id: Slug = Field(description="Short slug used in `works` to put a work under this topic.")
    title: Text = Field(description="The topic's heading on the reading-list page.")
    description: LongText = Field(description="What the works under this topic are about, in our own words.")


class ReadingList(Strict):
    """Topics for the reading list: which topic each work is read under (data/reading-list.yml).

    Which works are listed is partly computed (every work cited by at least `most_cited_min` case
    studies); this file only says how works are grouped, so a newly most-cited work without a
    topic still appears, under `most_cited_topic`.
    """

    topics: list[ReadingTopic] = Field(min_length=1, description="The topics, in the order the page shows them.")
    works: dict[str, Slug] = Field(
        min_length=1,
        description="Citation key in references.bib -> id of its topic. Every work listed here is on the reading list.",
    )
    most_cited_min: int = Field(ge=2, description="A work cited by at least this many case studies is on the list even if `works` leaves it out.")
    most_cited_topic: Slug = Field(description="The topic for most-cited works that `works` does not place.")
