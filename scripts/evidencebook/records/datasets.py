"""The book's quantitative datasets: the Frictionless data package in data/datapackage.json.

`load_package(root)` reads the package descriptor; `DataPackage.frame(name)` returns a resource as
a DataFrame typed by the package's own schema (missing-value markers become NA: nothing is filled
in), and `DataPackage.raw(name)` the same cells as printed in the CSV file, so a value can be shown
exactly as the source gives it (82.0 stays 82.0). `dictionary_html(package)` is the data
dictionary page. The package is the one description of the data: nothing here repeats its fields.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..publish.text import Markup, neutralised_csv
from .inputs import require
from .kb import find_root

PACKAGE_FILE = "datapackage.json"
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


def published_files(package: DataPackage) -> list[Path]:
    """The files the site publishes under data/: the descriptor and every resource file."""
    return [package.data_dir / PACKAGE_FILE] + [package.path(name) for name in package.names]


def publish(package: DataPackage, out_dir: Path, reserved: set[str] = frozenset()) -> list[Path]:
    """Copy the descriptor and resource files into `out_dir`, keeping their relative paths so the
    published package stays valid. `reserved` are names other exports already write there."""
    written = []
    for source in published_files(package):
        relative = source.relative_to(package.data_dir).as_posix()
        if relative in reserved:
            raise DataError(
                f"{source}: {relative} clashes with a file the book exports itself — rename the dataset"
            )
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix.lower() == ".csv":  # opened in spreadsheets: no cell may run as a formula
            target.write_bytes(neutralised_csv(source.read_bytes().decode("utf-8")).encode("utf-8"))
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


# --- the data dictionary --------------------------------------------------------------------------


def _missing_marker_text(markers: list[str]) -> str:
    return ", ".join("an empty cell" if m == "" else f"“{m}”" for m in markers) or "none"


def _constraints_text(spec: dict) -> str:
    constraints = spec.get("constraints", {})
    parts = []
    if constraints.get("required"):
        parts.append("required")
    if "enum" in constraints:
        parts.append("one of: " + ", ".join(map(str, constraints["enum"])))  # validation refuses non-text values; never crash on one
    return "; ".join(parts)


def dictionary_html(package: DataPackage, data_url: str = "../data/") -> Markup:
    """The data dictionary as escaped HTML: every resource with its description, source, licence,
    download link and every field (type, unit, description, missing-value marker, constraints)."""
    package_licences = package.descriptor.get("licenses", [])
    out = [Markup('<div class="kb-dictionary">')]
    out.append(
        Markup(
            '<p>The package descriptor: <a href="{0}{1}" download>{1}</a> ({2} tables, Frictionless Data format).</p>'
        ).format(data_url, PACKAGE_FILE, len(package.resources))
    )
    out.append(Markup('<nav aria-label="Tables in the data package"><ul>'))
    for res in package.resources:
        out.append(Markup('<li><a href="#dataset-{}">{}</a></li>').format(res["name"], res.get("title", res["name"])))
    out.append(Markup("</ul></nav>"))
    for res in package.resources:
        name = res["name"]
        rows = len(package.raw(name))
        licences = res.get("licenses", package_licences)
        sources = res.get("sources", package.descriptor.get("sources", []))
        markers = _missing_marker_text(package.missing_values(name))
        out.append(Markup('<section class="kb-dataset" id="dataset-{0}" aria-labelledby="dataset-{0}-title">').format(name))
        out.append(Markup('<h2 id="dataset-{}-title">{}</h2>').format(name, res.get("title", name)))
        out.append(Markup("<p>{}</p>").format(res.get("description", "")))
        out.append(Markup("<dl>"))
        out.append(
            Markup('<dt>File</dt><dd><a href="{}" download>{}</a> ({}, {}, {} rows)</dd>').format(
                data_url + res["path"], res["path"], str(res.get("format", "csv")).upper(), res.get("encoding", "utf-8"), rows
            )
        )
        out.append(Markup("<dt>Name</dt><dd><code>{}</code></dd>").format(name))
        out.append(Markup("<dt>Source</dt><dd>{}</dd>").format(Markup("<br>").join(s.get("title", "") for s in sources)))
        licence_links = (
            Markup('<a href="{}">{}</a>').format(lic["path"], lic.get("title", lic.get("name", "")))
            if lic.get("path", "").startswith("https://")
            else lic.get("title", lic.get("name", ""))
            for lic in licences
        )
        out.append(Markup("<dt>Licence</dt><dd>{}</dd>").format(Markup(", ").join(licence_links)))
        out.append(Markup("<dt>Missing values</dt><dd>written as {}</dd>").format(markers))
        out.append(Markup("</dl>"))
        out.append(Markup('<table class="kb-table kb-fields"><caption>Fields of {}</caption><thead><tr>').format(name))
        for heading in ("Field", "Type", "Unit", "Description", "Constraints"):
            out.append(Markup('<th scope="col">{}</th>').format(heading))
        out.append(Markup("</tr></thead><tbody>"))
        for spec in package.fields(name):
            out.append(
                Markup(
                    '<tr><th scope="row"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'
                ).format(
                    spec["name"], spec.get("type", "string"), spec.get("unit", ""), spec.get("description", ""), _constraints_text(spec)
                )
            )
        out.append(Markup("</tbody></table></section>"))
    out.append(Markup("</div>"))
    return Markup("\n").join(out)
