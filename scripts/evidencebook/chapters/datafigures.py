"""Charts and tables of the data package, for the survey chapter.

Every chart table is cut from a CSV file in data/ and keeps, for each row, the file (`dataset`) and
line (`csv_line`) it comes from, with the source's own columns unchanged: the chapter types no
number, and tests trace every charted value back to its line. Values that are missing are listed,
never drawn; values whose label was paired by position are flagged on the chart itself.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from ..publish.text import Markup
from ..records.datasets import (
    LINE_COLUMN,
    NUMBERED_STATUSES,
    SCALE_FACTORS,
    STATUS_LABELS,
    DataError,
    DataPackage,
)
from .charts import PALETTE, Figure, figure

SURVEY = "phc-2015-survey"
RESPONDENTS = "phc-2015-survey-respondents"
FUNDING_GAPS = "funding-gap-estimates"
LIFE_EXPECTANCY = "life-expectancy"
POPULATION = "population-levels"

DRAWN = NUMBERED_STATUSES  # statuses with a number we may plot
STATUS_COLOURS = {"stated in the text": PALETTE[0], "paired by position (our inference)": PALETTE[1]}
CURRENCY = {"GBP": "£"}


# --- rows as printed ------------------------------------------------------------------------------


def printed_number(cell: str):
    """A CSV number cell as the number printed: '32' -> 32, '82.0' -> 82.0 (kept), '' -> None."""
    if cell is None or cell == "":
        return None
    return float(cell) if re.search(r"[.eE]", cell) else int(cell)


def rows(package: DataPackage, name: str, mask=None) -> pd.DataFrame:
    """Rows of a resource as printed (numbers as printed numbers, missing as None), with `dataset`
    (the file under data/) and `csv_line`, for chart tables a reader can trace."""
    raw = package.raw(name)
    if mask is not None:
        raw = raw[mask(package.frame(name)).to_numpy()]
    out = raw.copy()
    for spec in package.fields(name):
        column = spec["name"]
        if spec.get("type") in ("number", "integer"):
            out[column] = pd.Series([printed_number(c) for c in raw[column]], index=raw.index, dtype=object)
        else:
            out[column] = pd.Series(
                [c if c != "" else None for c in raw[column]], index=raw.index, dtype=object
            )
    out.insert(0, "dataset", package.resource(name)["path"])
    return out.reset_index(drop=True)


def _need(data: pd.DataFrame, package: DataPackage, name: str, what: str) -> pd.DataFrame:
    """`data`, unless it is empty: a chapter that draws these rows then fails naming the file and rows."""
    if data.empty:
        raise DataError(f"{package.path(name)}: no rows with {what} — the chapter draws them: restore them")
    return data


def _filled(data: pd.DataFrame, package: DataPackage, name: str, columns: list[str], why: str) -> pd.DataFrame:
    """`data`, unless a row the chart draws has an empty cell in `columns`: the chapter then fails
    naming the file, line and column (validation reports it the same way)."""
    for column in columns:
        empty = data[data[column].isna()]
        if not empty.empty:
            line = int(empty[LINE_COLUMN].iloc[0])
            raise DataError(f"{package.path(name)}:{line}: {column} is empty — {why}: fill it in")
    return data


def _tidy(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns a chart needs plus its trace (dataset, csv_line), in a fixed order."""
    return frame[[c for c in columns if c in frame.columns] + ["dataset", LINE_COLUMN]].reset_index(drop=True)


def status_label(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].map(STATUS_LABELS)


def _status_colour(domain: list[str]) -> alt.Color:
    return alt.Color(
        "how known:N",
        title="How the value is known",
        scale=alt.Scale(domain=domain, range=[STATUS_COLOURS[d] for d in domain]),
        legend=alt.Legend(orient="bottom", labelLimit=400),
    )


def _total_note(values: pd.Series, unit_word: str = "") -> tuple[float, str]:
    total = round(sum(float(v) for v in values), 6)
    shown = int(total) if float(total).is_integer() else total
    if unit_word.startswith("percent") and shown != 100:
        return shown, f"The values add up to {shown}, not 100: shown as printed."
    return shown, f"The values add up to {shown}."


# --- the survey -----------------------------------------------------------------------------------


def survey_total(package: DataPackage) -> int:
    """Number of respondents, as the report states it."""
    frame = package.frame(RESPONDENTS)
    hit = frame[(frame["breakdown"] == "survey reach") & (frame["category"] == "respondents")]
    if len(hit) != 1 or pd.isna(hit["value"].iloc[0]):
        raise DataError(
            f"{package.path(RESPONDENTS)}: expected one 'survey reach' row for 'respondents' with a value, found {len(hit)}"
        )
    return int(hit["value"].iloc[0])


def survey_reach(package: DataPackage) -> dict:
    """Respondents, recipients (value and words) and fieldwork note, for the chapter's opening."""
    frame = rows(package, RESPONDENTS, lambda f: f["breakdown"] == "survey reach")
    sent = frame[frame["category"] != "respondents"]
    sent = _need(sent, package, RESPONDENTS, "breakdown 'survey reach' for recipients").iloc[0]
    return {"respondents": survey_total(package), "sent_words": sent["value_text"], "sent": sent["value"]}


def sector_figure(package: DataPackage) -> Figure:
    data = rows(package, RESPONDENTS, lambda f: f["breakdown"] == "sector")
    data = _need(data, package, RESPONDENTS, "breakdown 'sector'")
    data = _filled(data, package, RESPONDENTS, ["value"], "the chart draws every sector and adds them up")
    data["how known"] = status_label(data)
    data = _tidy(data, ["category", "value", "value_text", "unit", "base", "status", "how known", "locator"])
    total, note = _total_note(data["value"], data["unit"].iloc[0])
    bases = sorted({b for b in data["base"] if b is not None})
    base_text = f"base {bases[0]} respondents" if len(bases) == 1 else "base not stated"
    chart = _bars(data, "category", f"Percent of respondents ({base_text})", sort="-x", text="value_text")
    return figure(
        chart.properties(title=alt.TitleParams("Respondents by sector", subtitle=[note])),
        data=data,
        name="survey-respondents-by-sector",
        description=f"Bar chart of the survey's respondents by sector, in percent ({base_text}). {note}",
        source=f"{package.source_label('phc2016getwellsoon')}, {data['locator'].iloc[0]}",
    )


def _bars(data: pd.DataFrame, y: str, x_title: str, sort="-x", text: str = "value_text") -> alt.LayerChart:
    domain = [d for d in STATUS_COLOURS if d in set(data["how known"])]
    # An explicit order: layered charts cannot share a sort by field.
    ordered = data.sort_values("value", ascending=False, kind="stable") if sort == "-x" else data
    base = alt.Chart(data).encode(
        y=alt.Y(f"{y}:N", sort=list(ordered[y]), title=None, axis=alt.Axis(labelLimit=420)),
        x=alt.X("value:Q", title=x_title),
        tooltip=[y, "value_text", "how known"],
    )
    bars = base.mark_bar().encode(color=_status_colour(domain))
    labels = base.mark_text(align="left", dx=4, color="#222").encode(text=f"{text}:N")
    return alt.layer(bars, labels).properties(width=250)


def survey_chart_ids(package: DataPackage) -> list[str]:
    """Survey figures whose every row has a value: the charts the text lets us redraw."""
    frame = package.frame(SURVEY)
    ids = []
    for figure_id, group in frame.groupby("figure_id", sort=False):
        if (
            len(group) > 1
            and group["status"].isin(DRAWN).all()
            and group["value"].notna().all()
            and group["question"].notna().all()
        ):
            ids.append(figure_id)
    return ids


def survey_chart_figure(package: DataPackage, figure_id: str) -> Figure:
    """One survey chart redrawn from its rows, with base, pairing caveat and total shown."""
    data = rows(package, SURVEY, lambda f: f["figure_id"] == figure_id)
    if data.empty:
        raise KeyError(f"{package.path(SURVEY)}: no rows for figure_id {figure_id!r}")
    data["how known"] = status_label(data)
    data = _tidy(
        data,
        [
            "figure",
            "question",
            "respondent_group",
            "category",
            "value",
            "value_text",
            "unit",
            "base",
            "status",
            "how known",
            "source_key",
            "locator",
        ],
    )
    first = data.iloc[0]
    _, total_note = _total_note(data["value"], first["unit"])
    bases = sorted({b for b in data["base"] if b is not None})
    base_text = (
        f"Base: {bases[0]} respondents."
        if len(bases) == 1
        else f"Base not stated (the survey had {survey_total(package)} respondents in all)."
    )
    paired = (data["status"] == "paired-by-position").sum()
    caveats = [base_text, total_note]
    if paired:
        caveats.insert(
            0,
            f"{paired} of {len(data)} labels paired with their values by position: our inference, not printed together.",
        )
    chart = _bars(data, "category", f"Percent ({first['unit']})", sort="data")
    title = alt.TitleParams([f"{first['figure']}:", first["question"]], subtitle=caveats, anchor="start")
    return figure(
        chart.properties(title=title),
        data=data,
        name=f"survey-{figure_id}",
        description=(
            f"Bar chart of {first['figure']} of the survey ({first['question']}), {len(data)} answers, "
            f"in {first['unit']}, in the order the text gives them. " + " ".join(caveats)
        ),
        source=f"{package.source_label(first['source_key'])}, {first['locator']}",
    )


def survey_text_figure(package: DataPackage) -> Figure:
    """The percentages the report's text states about the survey, outside any surviving chart."""
    charted = set(survey_chart_ids(package))
    data = rows(package, SURVEY, lambda f: (f["status"] == "stated") & ~f["figure_id"].isin(charted))
    data["how known"] = status_label(data)
    data["finding"] = [
        c if g == "all" or g.startswith("all ") else f"{g}: {c}"
        for c, g in zip(data["category"], data["respondent_group"], strict=True)
    ]
    data = _tidy(
        data,
        [
            "finding",
            "figure",
            "respondent_group",
            "category",
            "value",
            "qualifier",
            "value_text",
            "unit",
            "base",
            "status",
            "how known",
            "locator",
        ],
    )
    chart = _bars(data, "finding", "Percent of the group named", sort="data")
    note = [
        "Each bar is a separate statement with its own wording and group.",
        "No base is stated; the qualifier the text gives (over, around, almost) is part of the label.",
    ]
    return figure(
        chart.properties(
            title=alt.TitleParams(
                "Survey percentages stated in the report's text", subtitle=note, anchor="start"
            )
        ),
        data=data,
        name="survey-percentages-in-the-text",
        description=f"Bar chart of the {len(data)} survey percentages the report states in its prose, each labelled as worded. {' '.join(note)}",
        source=f"{package.source_label('phc2016getwellsoon')}: " + "; ".join(dict.fromkeys(data["locator"])),
    )


def _figure_numbers(label: str | None) -> set[str]:
    """'Figures 3 and 4 (cited together)' -> {'3', '4'}; 'Figures 17-18' -> {'17', '18'}."""
    if not label:
        return set()
    head = label.split("(")[0]
    numbers = set(re.findall(r"\d+", head))
    span = re.search(r"(\d+)\s*-\s*(\d+)", head)
    if span:
        numbers |= {str(n) for n in range(int(span.group(1)), int(span.group(2)) + 1)}
    return numbers


def missing_survey_figures(package: DataPackage) -> pd.DataFrame:
    """Every survey figure whose values are missing, with what the text says about it instead."""
    survey = rows(package, SURVEY)
    respondents = rows(package, RESPONDENTS)
    charted = survey_chart_ids(package)
    cited = survey["figure"].map(_figure_numbers)
    listed = []
    for frame in (survey, respondents):
        for _, row in frame[frame["status"] == "missing"].iterrows():
            if any(r["figure"] == row["figure"] for r in listed):
                continue  # the same figure recorded in both survey files
            numbers = _figure_numbers(row["figure"])
            related = survey[
                (survey["status"] != "missing")
                & ((survey["figure_id"] == row.get("figure_id")) | cited.map(numbers.intersection).astype(bool))
                & ~survey["figure_id"].isin(charted)
            ]
            said = [
                f"{r['value_text']}: {r['category']} ({r['respondent_group']}; {STATUS_LABELS[r['status']]})"
                for _, r in related.iterrows()
            ]
            listed.append(
                {
                    "figure": row["figure"],
                    "question": row.get("question") or "",
                    "what is lost": row["note"] or "",
                    "what the text says instead": " · ".join(said) or "nothing beyond the title",
                    "locator": row["locator"],
                    "dataset": row["dataset"],
                    LINE_COLUMN: row[LINE_COLUMN],
                }
            )
    return pd.DataFrame(listed)


def words_only_findings(package: DataPackage) -> pd.DataFrame:
    data = rows(package, SURVEY, lambda f: f["status"] == "stated-in-words")
    return _tidy(data, ["figure", "respondent_group", "category", "value_text", "locator", "note"])


def survey_coverage(package: DataPackage) -> dict[str, list[int]]:
    """Which lines of the survey CSV each part of the chapter shows (charts, text chart, words, missing)."""
    frame = package.frame(SURVEY)
    charted = set(survey_chart_ids(package))
    parts = {
        "charts": frame[frame["figure_id"].isin(charted)],
        "text percentages": frame[(frame["status"] == "stated") & ~frame["figure_id"].isin(charted)],
        "words only": frame[frame["status"] == "stated-in-words"],
        "missing": frame[frame["status"] == "missing"],
    }
    return {k: sorted(v[LINE_COLUMN].tolist()) for k, v in parts.items()}


# --- the other datasets ---------------------------------------------------------------------------


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
    ranges = base.mark_rule(strokeWidth=3, color="#000").encode(x="value:Q", x2="value_max:Q")
    labels = base.mark_text(align="left", dx=4, color="#222").encode(
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
            f"({', '.join(documents)}). A black line marks a range. The statements measure different things over "
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
    labels = base.mark_text(dy=-6, color="#222").encode(text="value:Q")
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
    labels = base.mark_text(align="left", dx=8, color="#222").encode(
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


def chapter_figures(package: DataPackage) -> dict[str, Figure]:
    """Every chart of the survey chapter by name, as the chapter draws it."""
    figures = [sector_figure(package)]
    figures += [survey_chart_figure(package, figure_id) for figure_id in survey_chart_ids(package)]
    figures += [
        survey_text_figure(package),
        funding_gap_figure(package),
        life_expectancy_figure(package),
        population_figure(package),
    ]
    return {f.name: f for f in figures}


def table_html(frame: pd.DataFrame, columns: dict[str, str], caption: str) -> Markup:
    """An escaped HTML table of chapter data, with each row's file and line for tracing."""
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in columns.values())
    body = []
    for _, row in frame.iterrows():
        cells = Markup("").join(Markup("<td>{}</td>").format("" if pd.isna(row[c]) else str(row[c])) for c in columns)
        body.append(Markup("<tr>{}</tr>").format(cells))
    return Markup('<table class="kb-table"><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(
        caption, head, Markup("").join(body)
    )
