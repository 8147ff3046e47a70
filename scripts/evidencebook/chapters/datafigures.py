"""Charts and tables of the data package for the survey chapter: the survey itself here, the
documents' other numbers in documentfigures.py, the rows they are cut from in datarows.py.

Values that are missing are listed, never drawn; values whose label was paired by position are
flagged on the chart itself.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from ..publish.html import render
from ..records.datasets import LINE_COLUMN, RESPONDENTS, STATUS_LABELS, SURVEY, DataError, DataPackage
from .charts import Figure, figure
from .datarows import (
    DRAWN,
    STATUS_COLOURS,
    _filled,
    _need,
    _status_colour,
    _tidy,
    _total_note,
    rows,
    status_label,
)
from .documentfigures import (
    funding_gap_figure,
    life_expectancy_figure,
    population_figure,
)

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
    labels = base.mark_text(align="left", dx=4).encode(text=f"{text}:N")
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


def table_html(frame: pd.DataFrame, columns: dict[str, str], caption: str):
    """An escaped HTML table of chapter data, with each row's file and line for tracing."""
    body = [["" if pd.isna(row[c]) else str(row[c]) for c in columns] for _, row in frame.iterrows()]
    return render("kb_table.html", css_class="", caption=caption, headings=list(columns.values()), rows=body, more="")


def reach_html(package: DataPackage):
    """The survey chapter's opening sentence: how many it went to and how many answered."""
    reach = survey_reach(package)
    return render("survey_reach.html", sent_words=reach["sent_words"], respondents=reach["respondents"])
