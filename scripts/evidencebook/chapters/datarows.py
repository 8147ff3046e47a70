"""Rows of the data package as printed, for the survey chapter's charts and tables.

Every chart table is cut from a CSV file in data/ and keeps, for each row, the file (`dataset`) and
line (`csv_line`) it comes from, with the source's own columns unchanged: the chapter types no
number, and tests trace every charted value back to its line.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from ..records.datasets import (
    LINE_COLUMN,
    NUMBERED_STATUSES,
    STATUS_LABELS,
    DataError,
    DataPackage,
)
from .charts import PALETTE

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
