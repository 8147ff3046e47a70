"""The book's quantitative datasets: the Frictionless data package in data/datapackage.json.

`load_package(root)` reads the package descriptor; `DataPackage.frame(name)` returns a resource as
a DataFrame typed by the package's own schema (missing-value markers become NA: nothing is filled
in), and `DataPackage.raw(name)` the same cells as printed in the CSV file, so a value can be shown
exactly as the source gives it (82.0 stays 82.0). The data dictionary page is written by
publish/datadictionary.py. The package is the one description of the data: nothing here repeats its fields.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .files import find_root
from .inputs import require

PACKAGE_FILE = "datapackage.json"
# What the book's exports write into the site's data/ folder beside the data package (publish/export.py
# writes them): declared here so that the data-package check can refuse a data file taking one of these names.
CATALOGUE_INDEX_FILE = "catalogue-index.json"
CATALOGUE_TEXT_FILE = "catalogue-text.json"
OUTCOMES_INDEX_FILE = "outcomes-index.json"  # what the outcomes comparison (cases/outcomes) filters
# The whole knowledge base as one SQLite database, and its description for Datasette (publish/database.py).
DATABASE_FILE = "evidence-book.sqlite"
DATABASE_METADATA_FILE = "metadata.json"
LESSONS_FILE = "lessons.csv"  # one row per case-study lesson
CHANGES_FILE = "changes.json"  # What's new: the changes between editions (publish/whatsnew.py)
# The Frictionless data package that describes the book's own exports (publish/exportpackage.py), and the
# folder of its lookup tables, one CSV file per controlled vocabulary: generated, never a file in data/.
EXPORT_PACKAGE_FILE = "evidence-book.datapackage.json"
LOOKUPS_DIR = "lookups"
EXPORT_FILES = ("case-studies.json", "case-studies.csv", "outcomes.csv", CATALOGUE_INDEX_FILE, CATALOGUE_TEXT_FILE, OUTCOMES_INDEX_FILE, LESSONS_FILE)
# The indexes the site's own scripts read, each also published as a script that assigns it to a global
# (window.kbData["<name>.json"]): a page opened from disk (file://, the offline edition) may not fetch a
# file, but it may load a script (static/js/kb-dom.js, loadJson). Not downloads: the catalogue does not list them.
DATA_SCRIPT_FILES = {
    name: name.removesuffix(".json") + ".js" for name in (CATALOGUE_INDEX_FILE, CATALOGUE_TEXT_FILE, OUTCOMES_INDEX_FILE)
}
DATA_DIR = "data"
# How a reader sees each status; what each status means is stated in the package's field description.
STATUS_LABELS = {
    "stated": "stated in the text",
    "stated-in-words": "given in words only",
    "paired-by-position": "paired by position (our inference)",
    "missing": "missing from the text",
    "not-given": "not given by the source",
}
# Statuses whose row carries a number (other statuses carry none), as the status field's description says.
NUMBERED_STATUSES = ("stated", "paired-by-position")
# What each word of a `scale` field multiplies a value by; the charts need the factor, so no other word is valid.
SCALE_FACTORS = {None: 1, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
LINE_COLUMN = "csv_line"  # the line of the CSV file a row comes from (the header is line 1)
# The package's datasets the chapters read by name (data/datapackage.json lists them all).
SURVEY = "phc-2015-survey"
RESPONDENTS = "phc-2015-survey-respondents"
FUNDING_GAPS = "funding-gap-estimates"
LIFE_EXPECTANCY = "life-expectancy"
POPULATION = "population-levels"


class DataError(ValueError):
    """A data file that does not match the package: the message names file, line, field and fix."""


@dataclass
class DataPackage:
    data_dir: Path
    descriptor: dict
    _frames: dict = field(default_factory=dict, repr=False)

    @property
    def resources(self) -> list[dict]:
        return self.descriptor.get("resources", [])

    @property
    def names(self) -> list[str]:
        return [r["name"] for r in self.resources]

    def resource(self, name: str) -> dict:
        for res in self.resources:
            if res["name"] == name:
                return res
        raise KeyError(
            f"{self.data_dir / PACKAGE_FILE}: no resource named {name!r}; known: {', '.join(self.names)}"
        )

    def path(self, name: str) -> Path:
        return self.data_dir / self.resource(name)["path"]

    def fields(self, name: str) -> list[dict]:
        return self.resource(name)["schema"]["fields"]

    def missing_values(self, name: str) -> list[str]:
        schema = self.resource(name)["schema"]
        return schema.get("missingValues", self.descriptor.get("missingValues", [""]))

    def raw(self, name: str) -> pd.DataFrame:
        """Every cell as the text in the CSV file (missing cells are empty strings), plus `csv_line`."""
        path = self.path(name)
        if not path.is_file():
            raise DataError(
                f"{path}: file not found; resource {name!r} in {PACKAGE_FILE} points to it — add the file or fix the path"
            )
        with path.open(encoding="utf-8-sig", newline="") as handle:  # a BOM is not part of the header
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = list(reader)
        expected = [f["name"] for f in self.fields(name)]
        if header != expected:
            raise DataError(
                f"{path}:1: header {header} does not match the fields of {name!r} in {PACKAGE_FILE} {expected} — "
                "make the two agree"
            )
        for number, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise DataError(
                    f"{path}:{number}: {len(row)} cells, expected {len(header)} — quote cells that contain commas"
                )
        frame = pd.DataFrame(rows, columns=header, dtype=object)
        frame[LINE_COLUMN] = range(2, len(rows) + 2)
        return frame

    def frame(self, name: str) -> pd.DataFrame:
        """The resource typed by its schema: numbers as floats, integers as nullable Int64, missing as NA."""
        if name not in self._frames:
            self._frames[name] = self._typed(name)
        return self._frames[name].copy()

    def _typed(self, name: str) -> pd.DataFrame:
        raw = self.raw(name)
        path = self.path(name)
        missing = set(self.missing_values(name))
        typed = pd.DataFrame({LINE_COLUMN: raw[LINE_COLUMN]})
        for spec in self.fields(name):
            column, kind = spec["name"], spec.get("type", "string")
            cells = pd.Series(
                [None if cell in missing else cell for cell in raw[column]], index=raw.index, dtype=object
            )
            constraints = spec.get("constraints", {})
            for line, cell in zip(raw[LINE_COLUMN], cells, strict=True):
                if cell is None and constraints.get("required"):
                    raise DataError(f"{path}:{line}: {column}: required but empty — fill it in")
                if cell is not None and "enum" in constraints and cell not in constraints["enum"]:
                    raise DataError(
                        f"{path}:{line}: {column}: {cell!r} is not allowed — use one of {', '.join(map(str, constraints['enum']))}"
                    )
            typed[column] = _convert(cells, kind, path, column, raw[LINE_COLUMN])
        return typed

    def source_label(self, key: str) -> str:
        """'Get well soon (2016)' for a bib key, from the package's own list of sources."""
        for source in self.descriptor.get("sources", []):
            title = source.get("title", "")
            if title.rstrip().endswith(f"bib key {key}"):
                years = re.findall(r"\b(?:19|20)\d\d\b", title)
                short = title.split(" (", 1)[0]
                return f"{short} ({years[0]})" if years else short
        raise KeyError(
            f"{self.data_dir / PACKAGE_FILE}: no source with 'bib key {key}' in its title — add it to 'sources'"
        )

    def csv_files(self) -> list[Path]:
        """Every CSV file under the data folder (described or not), for checks and publishing."""
        return sorted(p for p in self.data_dir.rglob("*.csv") if p.is_file())


def _convert(cells: pd.Series, kind: str, path: Path, column: str, lines: pd.Series) -> pd.Series:
    if kind == "string":
        return cells.astype("string")
    if kind in ("number", "integer"):
        numbers = pd.to_numeric(cells, errors="coerce")
        bad = cells.notna() & numbers.isna()
        if kind == "integer":
            bad |= numbers.notna() & (numbers % 1 != 0)
        if bad.any():
            line = lines[bad].iloc[0]
            raise DataError(
                f"{path}:{line}: {column}: {cells[bad].iloc[0]!r} is not a {kind} — write the number only"
            )
        return numbers.astype("Int64") if kind == "integer" else numbers.astype("float64")
    raise DataError(
        f"{path}: {column}: field type {kind!r} is not supported by the book — use string, number or integer"
    )


@functools.cache
def _cached_package(data_dir: Path, stamp: float) -> DataPackage:
    descriptor = json.loads((data_dir / PACKAGE_FILE).read_text(encoding="utf-8-sig"))  # as validation reads it
    return DataPackage(data_dir, descriptor)


def load_package(root: Path | None = None) -> DataPackage:
    """The data package of the book at `root` (default: the book this code runs in)."""
    require("datasets")  # in a chapter, only one that declares it (inputs.py)
    data_dir = (Path(root) if root else find_root()) / DATA_DIR
    descriptor_path = data_dir / PACKAGE_FILE
    if not descriptor_path.is_file():
        raise DataError(f"{descriptor_path}: not found — the datasets need their package descriptor")
    return _cached_package(data_dir.resolve(), descriptor_path.stat().st_mtime)
