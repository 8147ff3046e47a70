"""`evidencebook changed-pages --base <ref>`: the pages a change adds, changes or removes, for review.

Records are compared by their data, not their text, so a change that only reformats a record (for
example `make fix`) lists no page. Chapters and other pages in the table of contents are compared
by their text. Paths are the built site's, so a reviewer can open them in the `site` artifact.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..publish.render import page_url
from ..records.yamlsafe import load_yaml_bytes

PAGE_SUFFIXES = (".md", ".ipynb")
PAGE_DIRS = ("chapters",)
ROOT_PAGES = ("index.md", "bibliography.md")
CATALOGUE = "cases/index.html"  # lists every record, so it changes with any of them


class GitError(Exception):
    pass


def _git(root: Path, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True)
    if result.returncode != 0:
        raise GitError(result.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return result.stdout


def _files_at(root: Path, ref: str) -> dict[str, bytes | None]:
    """Record and page files at `ref` (contents read lazily: None until asked)."""
    names = (
        _git(root, "ls-tree", "-r", "--name-only", ref, "--", "case_studies", *PAGE_DIRS, *ROOT_PAGES)
        .decode()
        .splitlines()
    )
    return {name: None for name in names if _interesting(name)}


def _interesting(name: str) -> bool:
    path = Path(name)
    if path.parts[0] == "case_studies":
        return (
            len(path.parts) == 2 and path.suffix in (".yml", ".yaml") and not path.name.startswith(("_", "."))
        )
    return path.suffix in PAGE_SUFFIXES


def _files_now(root: Path) -> set[str]:
    """Record and page files in the working tree, as git sees them (generated, git-ignored pages are not sources)."""
    listed = _git(
        root,
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        "case_studies",
        *PAGE_DIRS,
        *ROOT_PAGES,
    )
    return {name for name in listed.decode().splitlines() if _interesting(name) and (root / name).is_file()}


def _record_data(raw: bytes):
    loaded = load_yaml_bytes(raw)
    return loaded.data if not loaded.problems else ("unreadable", raw)


@dataclass
class PageChange:
    change: str  # "added", "changed" or "removed"
    source: str  # the file in the repository
    page: str  # the page's path in the built site


@dataclass
class ChangedPages:
    base: str
    changes: list[PageChange] = field(default_factory=list)
    reformatted: list[str] = field(default_factory=list)  # records whose text changed but not their data


def page_of(name: str) -> str:
    path = Path(name)
    if path.parts[0] == "case_studies":
        return page_url(path.stem)
    return path.with_suffix(".html").as_posix()


def changed_pages(root: Path, base: str) -> ChangedPages:
    """Compare the working tree of `root` with the commit `base`."""
    _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    before = _files_at(root, base)
    now = _files_now(root)
    out = ChangedPages(base)
    for name in sorted(set(before) | now):
        if name not in now:
            out.changes.append(PageChange("removed", name, page_of(name)))
            continue
        current = (root / name).read_bytes()
        if name not in before:
            out.changes.append(PageChange("added", name, page_of(name)))
            continue
        old = _git(root, "show", f"{base}:{name}")
        if old == current:
            continue
        if name.startswith("case_studies/") and _record_data(old) == _record_data(current):
            out.reformatted.append(name)
            continue
        out.changes.append(PageChange("changed", name, page_of(name)))
    if any(c.source.startswith("case_studies/") for c in out.changes):
        out.changes.append(PageChange("changed", "case_studies/", CATALOGUE))
    return out


def as_markdown(result: ChangedPages, site_url: str = "") -> str:
    prefix = site_url.rstrip("/") + "/" if site_url else ""
    lines = ["## Pages this change adds or changes", ""]
    if not result.changes:
        lines.append(f"No page is added, changed or removed compared with `{result.base}`.")
    else:
        where = (
            ""
            if prefix
            else " (paths in the `site` artifact of this run: download it, unzip it and open the file)"
        )
        lines += [f"Compared with `{result.base}`{where}:", "", "| Change | Page | From |", "|---|---|---|"]
        for c in result.changes:
            page = f"[{c.page}]({prefix}{c.page})" if prefix and c.change != "removed" else f"`{c.page}`"
            lines.append(f"| {c.change} | {page} | `{c.source}` |")
    if result.reformatted:
        lines += [
            "",
            "Reformatted only (same data, so the same page): "
            + ", ".join(f"`{n}`" for n in result.reformatted),
        ]
    return "\n".join(lines) + "\n"


def as_text(result: ChangedPages, site_url: str = "") -> str:
    prefix = site_url.rstrip("/") + "/" if site_url else ""
    if not result.changes and not result.reformatted:
        return f"No page is added, changed or removed compared with {result.base}.\n"
    lines = [f"{c.change:8} {prefix}{c.page}  ({c.source})" for c in result.changes]
    lines += [f"reformatted (same page) {name}" for name in result.reformatted]
    return "\n".join(lines) + "\n"
