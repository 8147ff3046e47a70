"""Charts and tables of the documents' other numbers (funding gaps, life expectancy, population
sizes), for the survey chapter. Values that are missing are listed, never drawn.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..records.datasets import (
    FUNDING_GAPS,
    LIFE_EXPECTANCY,
    LINE_COLUMN,
    POPULATION,
    SCALE_FACTORS,
    DataPackage,
)
from .charts import Figure, figure
from .datarows import (
    CURRENCY,
    DRAWN,
    _filled,
    _need,
    _tidy,
    rows,
    status_label,
)


def _money(value, unit: str | None, scale: str | None) -> str:
    if value is None:
        return ""
    symbol = CURRENCY.get(unit or "", "")
    suffix = {"billion": "bn", "million": "m", "thousand": "k"}.get(scale or "", "")
    return f"{symbol}{value}{suffix}" if symbol else f"{value}{suffix} {unit or ''}".strip()


def funding_gap_figure(package: DataPackage) -> Figure:
    """Every funding-gap statement as its own bar, grouped by the document that makes it."""
    data = rows(package, FUNDING_GAPS, lambda f: f["status"].isin(DRAWN) & f["value"].notna())
    units = set(zip(data["unit"], data["scale"], strict=True))
    if len(units) != 1:
        raise ValueError(
            f"{package.path(FUNDING_GAPS)}: the chart needs one unit and scale, found {sorted(map(str, units))}"
        )
    unit, scale = units.pop()
    data["document"] = data["source_key"].map(package.source_label)
    data["statement"] = data["sector"] + ": " + data["measure"] + ", " + data["period"]
    dupes = data["statement"].duplicated(keep=False)
    data.loc[dupes, "statement"] = (
        data.loc[dupes, "statement"] + " [" + data.loc[dupes, "locator"].str.split(",").str[0] + "]"
    )
    data["as printed"] = [
        " ".join(
            p
            for p in (
                r["qualifier"] or "",
                _money(r["value"], unit, scale)
                + (
                    f"{' and ' if r['qualifier'] == 'between' else ' to '}{_money(r['value_max'], unit, scale)}"
                    if r["value_max"] is not None
                    else ""
                ),
            )
            if p
        )
        for _, r in data.iterrows()
    ]
    data = _tidy(
        data,
        [
            "document",
            "statement",
            "sector",
            "measure",
            "value",
            "value_max",
            "qualifier",
            "as printed",
            "unit",
            "scale",
            "period",
            "attributed_to",
            "source_key",
            "locator",
            "note",
        ],
    )
    base = alt.Chart().encode(
        y=alt.Y("statement:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
        tooltip=["document", "statement", "as printed", "attributed_to", "locator"],
    )
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=f"{unit} {scale}"),
        color=alt.Color("document:N", title="Document", legend=alt.Legend(orient="bottom", labelLimit=400)),
    )
    ranges = base.mark_rule(strokeWidth=3).encode(x="value:Q", x2="value_max:Q")
    labels = base.mark_text(align="left", dx=4).encode(
        x=alt.X("label_at:Q"), text="as printed:N"
    )
    chart = (
        alt.layer(bars, ranges, labels, data=data)
        .transform_calculate(label_at="isValid(datum.value_max) ? datum.value_max : datum.value")
        .properties(width=360)
        .facet(
            row=alt.Row(
                "document:N",
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            )
        )
        .resolve_scale(y="independent")
    )
    documents = list(dict.fromkeys(data["document"]))
    return figure(
        chart,
        data=data,
        name="funding-gap-estimates",
        description=(
            f"Bar chart of {len(data)} funding-gap statements in {unit} {scale}, one bar each, grouped by document "
            f"({', '.join(documents)}). A thin line from the end of a bar marks a range. The statements measure different things over "
            "different periods and are never added together; where two disagree both are shown."
        ),
        source="; ".join(f"{package.source_label(k)}" for k in dict.fromkeys(data["source_key"])),
    )


def life_expectancy_figure(package: DataPackage) -> Figure:
    """Life expectancy by sex in the years the report compares (the national figures)."""
    data = rows(
        package,
        LIFE_EXPECTANCY,
        lambda f: (
            (f["measure"] == "life expectancy") & f["status"].isin(DRAWN) & f["sex"].isin(["male", "female"])
        ),
    )
    data = _need(data, package, LIFE_EXPECTANCY, "measure 'life expectancy', sex male or female and a number")
    data = _filled(data, package, LIFE_EXPECTANCY, ["year", "value"], "the chart places each value by its year")
    data = _tidy(
        data,
        [
            "measure",
            "area",
            "sex",
            "year",
            "value",
            "qualifier",
            "unit",
            "attributed_to",
            "source_key",
            "locator",
            "note",
        ],
    )
    base = alt.Chart(data).encode(
        x=alt.X("year:N", title="Year", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("sex:N"),
        y=alt.Y("value:Q", title="Life expectancy (years)"),
        tooltip=["year", "sex", "value", "attributed_to"],
    )
    bars = base.mark_bar().encode(color=alt.Color("sex:N", title="Sex", legend=alt.Legend(orient="bottom")))
    labels = base.mark_text(dy=-6).encode(text="value:Q")
    years = " and ".join(dict.fromkeys(data["year"]))
    return figure(
        alt.layer(bars, labels).properties(width=280),
        data=data,
        name="life-expectancy-then-and-now",
        description=(
            f"Grouped bar chart of life expectancy for men and women in {years}, in years, as the report states it. "
            "The report does not say whether these are at birth."
        ),
        source=f"{package.source_label(data['source_key'].iloc[0])}, {data['locator'].iloc[0]}",
    )


def life_expectancy_others(package: DataPackage) -> pd.DataFrame:
    """The other life-expectancy rows: comparisons drawn from other areas, and lost charts."""
    shown = set(life_expectancy_figure(package).data[LINE_COLUMN])
    data = rows(package, LIFE_EXPECTANCY)
    data = data[~data[LINE_COLUMN].isin(shown)]
    data["how known"] = status_label(data)
    return _tidy(
        data,
        ["measure", "area", "sex", "year", "value", "unit", "comparison", "how known", "locator", "note"],
    )


def _bound(value, scale: str | None) -> str:
    return f"{value:,}" + (f" {scale}" if scale else "")


def population_figure(package: DataPackage) -> Figure:
    """Population ranges for system, place and neighbourhood, one line per document, log scale."""
    data = rows(
        package,
        POPULATION,
        lambda f: f["status"].isin(DRAWN) & f["population_min"].notna() & f["population_max"].notna(),
    )
    data["document"] = data["source_key"].map(package.source_label)
    # The CSV keeps each bound as printed (e.g. 1 with scale million); the chart needs people.
    data["people_min"] = [
        v * SCALE_FACTORS[s]
        for v, s in zip(data["population_min"], data["population_min_scale"], strict=True)
    ]
    data["people_max"] = [
        v * SCALE_FACTORS[s]
        for v, s in zip(data["population_max"], data["population_max_scale"], strict=True)
    ]
    data["range as printed"] = [
        f"{_bound(r['population_min'], r['population_min_scale'])} to {_bound(r['population_max'], r['population_max_scale'])}"
        for _, r in data.iterrows()
    ]
    data = _tidy(
        data,
        [
            "level",
            "document",
            "area_described",
            "population_min",
            "population_min_scale",
            "population_max",
            "population_max_scale",
            "people_min",
            "people_max",
            "range as printed",
            "qualifier",
            "source_key",
            "locator",
            "note",
        ],
    )
    base = alt.Chart(data).encode(
        y=alt.Y("level:N", sort=list(dict.fromkeys(data["level"])), title="Level"),
        yOffset=alt.YOffset("document:N"),
        tooltip=["level", "document", "range as printed", "area_described", "locator"],
    )
    ranges = base.mark_rule(strokeWidth=8).encode(
        x=alt.X("people_min:Q", scale=alt.Scale(type="log"), title="People (log scale)"),
        x2="people_max:Q",
        color=alt.Color("document:N", title="Document", legend=alt.Legend(orient="bottom", labelLimit=400)),
    )
    labels = base.mark_text(align="left", dx=8).encode(
        x="people_max:Q", text="range as printed:N"
    )
    return figure(
        alt.layer(ranges, labels).properties(width=380),
        data=data,
        name="population-by-level",
        description=(
            f"Range chart of the population each level covers ({', '.join(dict.fromkeys(data['level']))}), "
            "one line per document on a logarithmic scale, labelled with the range as printed."
        ),
        source="; ".join(package.source_label(k) for k in dict.fromkeys(data["source_key"])),
    )


def population_not_given(package: DataPackage) -> pd.DataFrame:
    data = rows(package, POPULATION, lambda f: ~f["status"].isin(DRAWN))
    data["document"] = data["source_key"].map(package.source_label)
    data["how known"] = status_label(data)
    return _tidy(data, ["document", "level", "area_described", "how known", "locator", "note"])
