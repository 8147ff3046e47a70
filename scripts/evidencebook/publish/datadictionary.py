"""The data dictionary: the chapter lists the tables of data/datapackage.json, and each table has a page
(chapters/data-dictionary/<name>) with its description, source, licence, download link and fields.

Each table's page is titled by a MyST heading labelled `dataset-<name>` (the anchor the table had on the
chapter before it was split), so links to it still resolve; the file details and the fields table are
HTML from templates/dataset_file.html and dataset_fields.html (download links and row headers MyST cannot express).
"""

from __future__ import annotations

import re

from ..records.datasets import PACKAGE_FILE, DataPackage
from ..records.schema import ID_PATTERN
from .html import plural, render
from .text import md_escape, md_token, raw_html_block


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


def dataset_anchor(name: str) -> str:
    return md_token(f"dataset-{name}")


def dataset_file(package: DataPackage, res: dict, data_url: str = "../data/"):
    """A table's file, sources, licences and missing-value marker, as HTML."""
    return file_details(res, package.descriptor, len(package.raw(res["name"])), package.missing_values(res["name"]), data_url)


def file_details(res: dict, descriptor: dict, rows: int, missing: list[str], data_url: str, key: tuple[str, ...] = ()):
    """The file details of resource `res` of the package `descriptor` (its licences and sources unless
    the resource gives its own), as HTML; `key`: the columns that name a row, when shown."""
    licences = res.get("licenses", descriptor.get("licenses", []))
    sources = res.get("sources", descriptor.get("sources", []))
    return render(
        "dataset_file.html",
        data_url=data_url,
        path=res["path"],
        format=str(res.get("format", "csv")).upper(),
        encoding=res.get("encoding", "utf-8"),
        rows=rows,
        name=res["name"],
        key=list(key),
        sources=[s.get("title", "") for s in sources],
        licences=[
            {
                "title": lic.get("title", lic.get("name", "")),
                "href": lic["path"] if str(lic.get("path", "")).startswith("https://") else "",
            }
            for lic in licences
        ],
        missing=_missing_marker_text(missing),
    )


def fields_html(name: str, fields: list[dict], units: bool = True, lookup=None):
    """A table's fields (Frictionless field descriptors): type, unit, meaning, allowed values and, where
    `lookup(field name)` gives one, a link to the lookup table of its codes; as HTML."""
    return render(
        "dataset_fields.html",
        name=name,
        units=units,
        fields=[
            {
                "name": spec["name"],
                "type": spec.get("type", "string"),
                "unit": spec.get("unit", "") if units else "",
                "description": spec.get("description", ""),
                "constraints": _constraints_text(spec),
                "lookup": lookup(spec["name"]) if lookup else None,
            }
            for spec in fields
        ],
    )


def dataset_fields(package: DataPackage, res: dict):
    """A survey table's fields, as HTML."""
    return fields_html(res["name"], package.fields(res["name"]))


CHAPTER = "data-dictionary"


def dataset_page_names(package: DataPackage) -> dict[str, str]:
    """Table name -> its page's name in chapters/data-dictionary/: the name when it is a plain slug."""
    return {
        res["name"]: res["name"] if re.fullmatch(ID_PATTERN, res["name"]) else f"dataset-{i}"
        for i, res in enumerate(package.resources, 1)
    }


def dictionary_part(package: DataPackage, data_url: str = "../data/") -> str:
    """The generated part of chapters/data-dictionary.md: a link to the descriptor and a list of the
    tables' pages, each with its size."""
    lines = [
        raw_html_block(render("download_link.html", href=data_url + PACKAGE_FILE, name=PACKAGE_FILE, tables=len(package.resources))),
        "",
    ]
    pages = dataset_page_names(package)
    for res in package.resources:
        size = f"{plural(len(package.raw(res['name'])), 'row')}, {plural(len(package.fields(res['name'])), 'column')}"
        lines.append(f"- [{md_escape(res.get('title', res['name']))}]({CHAPTER}/{md_token(pages[res['name']])}.md) ({md_escape(size)})")
    return "\n".join(lines).rstrip() + "\n"


def dataset_page(package: DataPackage, res: dict, data_url: str) -> str:
    """One table's page (MyST): its title, description, file details and fields."""
    lines = [
        f"({dataset_anchor(res['name'])})=",
        f"({dataset_anchor(res['name'])}-title)=",  # the heading's own id before it was MyST
        f"# {md_escape(res.get('title', res['name']))}",
        "",
        md_escape(res.get("description", "")),
        "",
        f"One of the tables of the [data dictionary](../{CHAPTER}.md).",
        "",
        "## File and source",
        "",
        raw_html_block(dataset_file(package, res, data_url)),
        "",
        "## Fields",
        "",
        raw_html_block(dataset_fields(package, res)),
        "",
    ]
    return "\n".join(lines)


def dataset_pages(package: DataPackage, data_url: str = "../../data/") -> dict[str, str]:
    """Page name -> MyST of each table's page (`data_url`: the site's data/ from chapters/data-dictionary/)."""
    pages = dataset_page_names(package)
    return {pages[res["name"]]: dataset_page(package, res, data_url) for res in package.resources}
