"""The data dictionary chapter's generated part: every table of data/datapackage.json with its
description, source, licence, download link and fields.

Each table is a MyST heading labelled `dataset-<name>` (its anchor on the page as before), so it
appears in the page's contents; the file details and the fields table are HTML from
templates/dataset_details.html (download links and row headers MyST cannot express).
"""

from __future__ import annotations

from ..records.datasets import PACKAGE_FILE, DataPackage
from .html import render
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


def dataset_details(package: DataPackage, res: dict, data_url: str = "../data/"):
    """A table's file, sources, licences and missing-value marker, then its fields, as HTML."""
    name = res["name"]
    licences = res.get("licenses", package.descriptor.get("licenses", []))
    sources = res.get("sources", package.descriptor.get("sources", []))
    return render(
        "dataset_details.html",
        data_url=data_url,
        path=res["path"],
        format=str(res.get("format", "csv")).upper(),
        encoding=res.get("encoding", "utf-8"),
        rows=len(package.raw(name)),
        name=name,
        sources=[s.get("title", "") for s in sources],
        licences=[
            {
                "title": lic.get("title", lic.get("name", "")),
                "href": lic["path"] if str(lic.get("path", "")).startswith("https://") else "",
            }
            for lic in licences
        ],
        missing=_missing_marker_text(package.missing_values(name)),
        fields=[
            {
                "name": spec["name"],
                "type": spec.get("type", "string"),
                "unit": spec.get("unit", ""),
                "description": spec.get("description", ""),
                "constraints": _constraints_text(spec),
            }
            for spec in package.fields(name)
        ],
    )


def dictionary_part(package: DataPackage, data_url: str = "../data/") -> str:
    """The generated part of chapters/data-dictionary.md: a link to the descriptor, a list of the
    tables to jump to, then each table."""
    lines = [
        raw_html_block(render("download_link.html", href=data_url + PACKAGE_FILE, name=PACKAGE_FILE, tables=len(package.resources))),
        "",
    ]
    lines += [f"- [{md_escape(res.get('title', res['name']))}](#{dataset_anchor(res['name'])})" for res in package.resources]
    lines.append("")
    for res in package.resources:
        lines += [
            f"({dataset_anchor(res['name'])})=",
            f"({dataset_anchor(res['name'])}-title)=",  # the heading's own id before it was MyST
            f"## {md_escape(res.get('title', res['name']))}",
            "",
            md_escape(res.get("description", "")),
            "",
            raw_html_block(dataset_details(package, res, data_url)),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
