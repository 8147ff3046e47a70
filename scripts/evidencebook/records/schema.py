"""The case-study record schema: the one place where a record's fields are declared.

Everything else derives from these models: validation (validate.py), the JSON Schema editors use,
the commented contributor template and the table of fields in CONTRIBUTING.md (derive.py).
A field whose values come from a controlled vocabulary names it with `vocabulary=`; the terms
themselves live in data/vocabularies/<name>.yml.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .characters import describe_character, first_hidden_character

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ID_MAX_LENGTH = 80
# Pages the build writes under cases/ beside the case pages (render.py, compare.py): a record with one of
# these ids would overwrite the catalogue (cases/index) or the outcomes comparison (cases/outcomes), or
# sit beside the A to Z list folder (cases/list/).
CATALOGUE_PAGE = "index"
COMPARE_PAGE = "outcomes"
LIST_FOLDER = "list"
RESERVED_IDS = frozenset({CATALOGUE_PAGE, COMPARE_PAGE, LIST_FOLDER})
BIB_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_:.\-]*$"


def _visible(value: str) -> str:
    ch = first_hidden_character(value)
    if ch is not None:
        raise ValueError(
            f"contains {describe_character(ch)} at character {value.index(ch) + 1}: delete it (control and invisible "
            "formatting characters are not allowed: they hide or reorder text, and often come from copy and paste)"
        )
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_visible)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=6000), AfterValidator(_visible)]
Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
Year = Annotated[int, Field(ge=1800, le=2100)]
# No whitespace, quotes, angle brackets, backticks, backslashes or control characters: an address with
# them is either mistyped or built to break out of the markup it is written into.
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"'`\\\x00-\x1f\x7f-\x9f]+$", max_length=2000)]


def vocabulary(name: str, **kwargs: Any) -> Any:
    """A field whose values are terms of data/vocabularies/<name>.yml."""
    extra = kwargs.pop("json_schema_extra", {}) or {}
    return Field(json_schema_extra={"vocabulary": name, **extra}, **kwargs)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SourceRef(Strict):
    """Where a claim comes from: a work in references.bib and the place in it."""

    key: str = Field(
        pattern=BIB_KEY_PATTERN,
        description="The citation key of the work in references.bib.",
        examples=["phc2016getwellsoon"],
    )
    locator: Text = Field(
        description="Where in the work a reader finds it: case-study number, box, section, annex and/or page.",
        examples=["Case study 4, p. 34"],
    )


class Place(Strict):
    """Where the case study happened."""

    name: Text = Field(description="The place as the source names it: a town, county, system or country.", examples=["Wigan"])
    country: str = vocabulary("countries", description="The country.", examples=["england"])
    region: str | None = vocabulary(
        "regions",
        default=None,
        description="The English region. Required for a case study in England below national level.",
        examples=["north-west"],
    )


class Period(Strict):
    """The years the work ran, as far as the sources say."""

    start: Year | None = Field(default=None, description="The first year, if known.", examples=[2013])
    end: Year | None = Field(default=None, description="The last year, if it has ended and that is known.", examples=[2016])


class Evidence(Strict):
    """How strong the evidence behind the outcomes is."""

    type: str = vocabulary(
        "evidence_types",
        description="The strongest kind of evidence the sources report for this case study.",
        examples=["before-and-after"],
    )
    appraisal: Text = Field(
        description="One line, in our own words, on what the evidence can and cannot show.",
        examples=["Admissions fell against the previous year, but there is no comparison group."],
    )


class Outcome(Strict):
    """One figure the sources give about the case study: a result, an estimate, a target or context."""

    metric: Text = Field(description="What was measured, in plain words.", examples=["Emergency admissions of people aged over 75"])
    value: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="The number as the source gives it (no unit, no commas). Leave out when the source gives none, and say why in `note`.",
        examples=[15],
    )
    value_max: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="The upper end when the source gives a range; `value` is then the lower end.",
        examples=[20],
    )
    qualifier: Literal["about", "at least", "more than", "up to", "less than"] | None = Field(
        default=None,
        description="How the source hedges the number, e.g. 'about' or 'more than'.",
        examples=["about"],
    )
    scale: Literal["thousand", "million", "billion"] | None = Field(
        default=None,
        description="Multiply `value` by this, e.g. 2.5 with scale million for GBP 2.5 million.",
        examples=["million"],
    )
    unit: Text | None = Field(
        default=None,
        description=(
            "A unit from data/vocabularies/units.yml, optionally followed by 'per ...', "
            "e.g. 'percent', 'GBP per person per year', 'GBP per GBP 1 invested'. Required with a value."
        ),
        examples=["percent"],
        json_schema_extra={"vocabulary": "units", "vocabulary_prefix": True},
    )
    direction: Literal["increase", "decrease", "no change"] | None = Field(
        default=None,
        description="For a change: whether it went up, down or did not change.",
        examples=["decrease"],
    )
    kind: str = vocabulary("outcome_kinds", description="What sort of figure this is.", examples=["measured"])
    domain: str = vocabulary("outcome_domains", description="What area the outcome measures.", examples=["hospital-use"])
    comparison: Text | None = Field(
        default=None,
        description="What the figure is compared with: a baseline year, a matched cohort, the national average.",
        examples=["a matched control cohort"],
    )
    period: Text | None = Field(default=None, description="The time the figure covers.", examples=["2014/15 to 2015/16"])
    note: LongText | None = Field(
        default=None,
        description="Anything a reader needs to read the figure correctly. Required when there is no value: say whether the source gives no number or the number was lost.",
        examples=["The source reports the fall without a number."],
    )
    source: SourceRef | None = Field(default=None, description="Where this figure comes from, when not the case study's first source.")

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if self.value is None:
            if self.value_max is not None:
                raise ValueError("value_max is given without value: give the lower end of the range in `value`")
            if self.note is None:
                raise ValueError("there is no value and no note: add the value, or a `note` saying the source gives no number")
        else:
            if self.unit is None:
                raise ValueError("a value needs a unit: add `unit`, e.g. percent, GBP, people")
            if self.value_max is not None and self.value_max < self.value:
                raise ValueError(f"the range is reversed ({self.value} to {self.value_max}): put the smaller number in `value`")
        return self


class Example(Strict):
    """One example within a case study, e.g. one of several boxes a report gives about the same place."""

    title: Text = Field(description="A short title for the example.", examples=["Joint hospital discharge team"])
    summary: LongText = Field(description="What was done and what it achieved, in our own words (Markdown).")
    themes: list[str] = vocabulary("themes", default_factory=list, description="Themes this example illustrates.", examples=[["discharge-and-intermediate-care"]])
    illustrates: list[str] = Field(
        default_factory=list,
        description="Framework items (data/frameworks) this example illustrates.",
        examples=[[]],
        json_schema_extra={"vocabulary": "framework_items"},
    )
    source: SourceRef = Field(description="Where the example is described.")


class Lesson(Strict):
    """What a source says helped or hindered the case study, how it worked, where it applies, what it took or cost."""

    statement: Text = Field(
        description="The lesson in one or two sentences, in our own words, no stronger or wider than the source puts it.",
        examples=["Years of working together before the pooled budget made the partners willing to share risk."],
    )
    type: str = vocabulary("lesson_types", description="What kind of lesson it is.", examples=["enabler"])
    factors: list[str] = vocabulary(
        "factors", min_length=1, description="What the lesson is about: one or more factors.", examples=[["leadership-and-relationships"]]
    )
    source: SourceRef = Field(description="Where the source says it, with its locator (page, section, box, case-study number).")


class Link(Strict):
    title: Text = Field(description="What the link points to.", examples=["Evaluation report"])
    url: HttpUrl = Field(description="An http or https address.", examples=["https://www.example.org/evaluation"])


class CaseStudy(Strict):
    """A case study: one place, programme or organisation doing something, with what it achieved."""

    id: Slug = Field(
        description="A short lowercase slug, the same as the file name without .yml. Letters, digits and hyphens only.",
        examples=["wigan-deal"],
    )
    title: Text = Field(description="A descriptive title.", examples=["The Wigan Deal"])
    place: Place = Field(description="Where it happened.")
    level: str = vocabulary("levels", description="The scale it works at.", examples=["place"])
    period: Period = Field(default_factory=Period, description="When it ran, as far as known.")
    status: str = vocabulary(
        "statuses",
        default="not-known",
        description=(
            "Whether the work was planned, running or had ended when the sources were written, as they state it "
            "(going by the latest source that says); not-known when none says."
        ),
        examples=["running"],
    )
    organisations: list[Text] = Field(
        default_factory=list,
        description="The organisations involved, as the sources name them.",
        examples=[["Wigan Council", "NHS Wigan Borough CCG"]],
    )
    model: list[str] = vocabulary(
        "models",
        min_length=1,
        description="How the partners work together (use not-stated when the sources do not say).",
        examples=[["public-sector-partnership", "pooled-budget"]],
    )
    themes: list[str] = vocabulary("themes", min_length=1, description="What it is about.", examples=[["community-assets"]])
    summary: LongText = Field(description="What was done, by whom and why, in our own words (Markdown; no HTML).")
    outcomes: list[Outcome] = Field(default_factory=list, description="Every figure the sources give about it.")
    evidence: Evidence = Field(description="How strong the evidence is.")
    sources: list[SourceRef] = Field(min_length=1, description="Every source that describes it, each with a locator.")
    examples: list[Example] = Field(default_factory=list, description="Distinct examples the sources give about it, each with its own locator.")
    illustrates: list[str] = Field(
        default_factory=list,
        description="Framework items (ids from data/frameworks) that this case study illustrates.",
        examples=[[]],
        json_schema_extra={"vocabulary": "framework_items"},
    )
    related: list[Slug] = Field(default_factory=list, description="Ids of related case studies.", examples=[["greater-manchester-devolution"]])
    links: list[Link] = Field(default_factory=list, description="Web pages about it (http or https only).")
    previous_ids: list[Slug] = Field(
        default_factory=list,
        description="Ids this case study had before; each keeps its old address working by redirecting here.",
        examples=[[]],  # an empty list: a record copied from the template must not claim another's old address
    )
    lessons: list[Lesson] = Field(
        default_factory=list,
        description="What the sources say helped or hindered it, how it worked, for whom and where, and what it took or cost.",
    )


SUBMODELS = [CaseStudy, Place, Period, Evidence, Outcome, SourceRef, Example, Link, Lesson]


def vocabulary_of(model: type[BaseModel], field_name: str) -> str | None:
    extra = model.model_fields[field_name].json_schema_extra
    return extra.get("vocabulary") if isinstance(extra, dict) else None


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside a field's annotation (Outcome in list[Outcome] or Outcome | None), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def unit_base(unit: str) -> str:
    """'GBP per person per year' -> 'GBP'."""
    return re.split(r"\s+per\s+", unit.strip(), maxsplit=1)[0]


# Every vocabulary a record field names; each is data/vocabularies/<name>.yml (framework_items is built
# from data/frameworks instead).
VOCABULARY_NAMES = tuple(
    sorted({vocabulary_of(m, f) for m in SUBMODELS for f in m.model_fields} - {None, "framework_items"})
)
# Unit ids are written into records as they are ('GBP per person', 'bed days'), so they are words, not slugs.
UNIT_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9]*(?: [A-Za-z0-9]+)*$"

Bound = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class VocabularyTerm(Strict):
    """One term of a controlled vocabulary. The optional fields are the extras some vocabularies use."""

    id: str = Field(description="A slug (units: the unit as records write it, e.g. GBP, bed days); unique in the file.")
    # The unit 'count' has an empty label: a count is shown with the metric's own noun.
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_visible)] = Field(
        description="The term as pages show it."
    )
    definition: LongText = Field(description="What the term means, in our own words.")
    aliases: list[Text] = Field(default_factory=list, description="Other ways contributors write it (units), for suggestions.")
    rank: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, description="Order, 1 first (evidence types: 1 is strongest).")
    currency: bool | None = Field(default=None, description="True for a currency (units).")
    population_min: Bound | None = Field(default=None, description="The typical population's lower end (levels).")
    population_max: Bound | None = Field(default=None, description="The typical population's upper end (levels).")

    @model_validator(mode="after")
    def _bounds(self) -> VocabularyTerm:
        if (self.population_min is None) != (self.population_max is None):
            raise ValueError("gives only one of population_min and population_max: give both ends of the range, or neither")
        if self.population_min is not None and self.population_max < self.population_min:
            raise ValueError(f"the population range is reversed ({self.population_min:,.0f} to {self.population_max:,.0f}): put the smaller number in population_min")
        return self


class VocabularyFile(Strict):
    """A controlled vocabulary (data/vocabularies/<vocabulary>.yml): the terms a record field may take."""

    vocabulary: Literal[VOCABULARY_NAMES] = Field(description="The vocabulary's name, the same as the file name without .yml.")
    title: Text = Field(description="Its name as pages show it.")
    description: LongText = Field(description="What it classifies, in our own words.")
    terms: list[VocabularyTerm] = Field(min_length=1, description="The terms, in the order pages list them.")

