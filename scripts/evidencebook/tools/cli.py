"""Command line: `evidencebook validate | build | derive | export | new | from-issue | fix | pdf | offline | changed-pages | check-addresses | release`.

Run through make (make validate, make derive, make new-case-study, make fix, make release) or as `python -m evidencebook`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..publish.html import plural
from ..records.kb import find_root, load_knowledge_base
from .contributor_commands import cmd_changed_pages, cmd_fix, cmd_from_issue, cmd_new


def cmd_validate(args: argparse.Namespace) -> int:
    if args.rules:
        from ..records.rules import rules_table

        print(rules_table(), end="")
        return 0
    root = find_root(args.root)
    kb = load_knowledge_base(root)
    if not any(p.file.startswith("data/") for p in kb.problems):  # the data reads well: can the chapters draw it?
        from ..chapters.chaptercheck import chapter_data_problems

        kb.problems = sorted(kb.problems + chapter_data_problems(kb))
    for problem in kb.problems:
        print(problem)
    total = len(list((root / "case_studies").glob("*.yml"))) - int((root / "case_studies" / "_template.yml").exists())
    tip = fix_tip(root)
    if kb.problems:
        files = len({p.file for p in kb.problems})
        print(f"\n{plural(len(kb.problems), 'problem')} in {plural(files, 'file')}; {len(kb.records)} of {plural(total, 'record')} valid.", file=sys.stderr)
        print("Fix each line above (file:line: field: what is wrong — how to fix it), then run `make validate` again.", file=sys.stderr)
        if tip:
            print(tip, file=sys.stderr)
        return 1
    print(f"{plural(len(kb.records), 'case study', 'case studies')} valid.")
    if tip:
        print(tip)
    return 0


def fix_tip(root: Path) -> str:
    """The validator's pointer to `make fix`, for records fix can mend: readable, but not in the canonical layout.

    Only layout qualifies (fix never changes a value), so this is a tip, not a problem: it never fails
    validation or the build; the pre-commit hook and `evidencebook fix --check` hold the line instead.
    """
    from .fix import FIXES, not_canonical

    files = not_canonical(root)
    if not files:
        return ""
    shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return f"Tip: run `make fix` to put {plural(len(files), 'record')} in the canonical layout ({FIXES}); it changes no value: {shown}"


def cmd_build(args: argparse.Namespace) -> int:
    from ..sphinx.build import build

    return build(
        find_root(args.root),
        jobs=args.jobs,
        two_pass=not args.one_pass,
        force=args.force,
        plain_sphinx=args.plain_sphinx,
        patches_off=tuple(args.without_patch),
    )


def cmd_derive(args: argparse.Namespace) -> int:
    from .derive import stale_derived, write_derived

    root = find_root(args.root)
    if args.check:
        try:
            stale = stale_derived(root)
        except ValueError as err:  # CONTRIBUTING.md has lost a marker
            print(err, file=sys.stderr)
            return 1
        for path in stale:
            print(f"{path.relative_to(root)}: out of date with scripts/evidencebook/records (schema.py, rules/) or data/vocabularies — run `make derive` and commit the result")
        return 1 if stale else 0
    try:
        written = write_derived(root)
    except ValueError as err:  # CONTRIBUTING.md has lost a marker
        print(err, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """What the build publishes under data/ from the records and the data package, without building."""
    from ..publish.citation import record_citations
    from ..publish.datapackage import publish as publish_datasets
    from ..publish.downloads import check_downloads, publish_downloads
    from ..records.book import read_book, source_provenance
    from ..records.datasets import DataError, load_package

    root = find_root(args.root)
    kb = load_knowledge_base(root)
    if not kb.ok:
        for problem in kb.problems:
            print(problem, file=sys.stderr)
        return 1
    book = read_book(root)
    out = Path(args.out)
    try:
        package = load_package(root)
    except DataError as err:  # `evidencebook validate` lists every problem of the data
        print(err, file=sys.stderr)
        return 1
    written = publish_downloads(kb, package, out, book.site, book.edition, record_citations(book, source_provenance(root).date))
    written += publish_datasets(package, out, reserved={p.relative_to(out).as_posix() for p in written})
    problems = check_downloads(kb, out, book.site)
    for problem in problems:
        print(problem, file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 1 if problems else 0


def cmd_check_addresses(args: argparse.Namespace) -> int:
    """Before publishing: the repository and site addresses in _config.yml are where this build is going.
    Every edit, issue-form and commit link, every citation and every URL in the CSV files derives from
    them, so a placeholder left there would publish a book of dead links."""
    from ..records.book import read_book

    book = read_book(find_root(args.root))
    wrong = [
        f"_config.yml: {key} is {have or '(not set)'!r} but this site is published from {want!r} — set {key} to {want!r}"
        for key, have, want in (
            ("repository.url", book.repository, args.repository.rstrip("/")),
            ("html.baseurl", book.site, args.site.rstrip("/") + "/" if args.site else ""),
        )
        if want and have != want
    ]
    for line in wrong:
        print(line, file=sys.stderr)
    return 1 if wrong else 0


def cmd_release(args: argparse.Namespace) -> int:
    from datetime import date

    from .derive import stale_derived
    from .release import ReleaseError, release

    root = find_root(args.root)

    def problems(book_root: Path) -> list[str]:
        return [str(p) for p in load_knowledge_base(book_root).problems]

    def stale(book_root: Path) -> list[str]:
        return [p.relative_to(book_root).as_posix() for p in stale_derived(book_root)]

    def pages(book_root: Path) -> list[str]:
        # The pages of the book as it is now: built (nothing to do when it is current), then read from the
        # sitemap the build wrote. The edition changes no page's address, only footers.
        from ..publish.sitemap import published_pages
        from ..records.book import read_book
        from ..sphinx.build import HTML_DIR, build

        if build(book_root) != 0:
            raise ReleaseError("the book does not build: fix what `make book` reports first")
        try:
            return published_pages(book_root / HTML_DIR, read_book(book_root).site)
        except (OSError, ValueError) as err:
            raise ReleaseError(str(err)) from err

    try:
        edition = release(root, date.today(), problems, stale, pages)
    except ReleaseError as err:
        print(f"No edition was cut: {err}", file=sys.stderr)
        return 1
    print(
        f"Edition {edition}: committed and tagged v{edition}. Publish it with `git push --follow-tags`, then publish "
        f"a GitHub Release from the tag v{edition}: Zenodo issues the edition's DOI for a release, not for a tag."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evidencebook", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="the book's root folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check every record; print every problem")
    p.add_argument("--rules", action="store_true", help="list the validation rules (beyond the schema) and what each requires, then stop")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("build", help="validate, then build the site strictly into _build/html (nothing to do if no input changed)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel Sphinx jobs (default: up to 2)")
    p.add_argument("--one-pass", action="store_true", help="after a record changes, do not show the pages before the chapters are re-run")
    p.add_argument("--force", action="store_true", help="build even when no input changed")
    p.add_argument(
        "--plain-sphinx",
        action="store_true",
        help="build (even when no input changed) with none of the book's patches of Sphinx and its extensions (sphinx/patches/): for comparing",
    )
    p.add_argument(
        "--without-patch",
        action="append",
        default=[],
        metavar="NAME",
        help="build (even when no input changed) without this patch (see sphinx/patches/): to measure what it saves",
    )
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("derive", help="rewrite the files derived from the schema")
    p.add_argument("--check", action="store_true", help="fail if a derived file is out of date instead of writing")
    p.set_defaults(func=cmd_derive)
    p = sub.add_parser("export", help="write the downloads the build publishes under data/: exports, database, data packages")
    p.add_argument("--out", default="_build/html/data")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("new", help="start a case-study record from the template, with a valid unused id")
    p.add_argument("title", nargs="?", default="", help="the case study's title; its id is made from it")
    p.add_argument("--place", default="", help="where it happened: a town, county, system or country")
    p.add_argument("--country", default=None, help="a term of data/vocabularies/countries.yml (default: england)")
    p.add_argument("--region", default=None, help="a term of data/vocabularies/regions.yml (England only)")
    p.add_argument("--level", default=None, help="a term of data/vocabularies/levels.yml (default: place)")
    p.add_argument("--from", dest="from_id", default=None, metavar="ID", help="start from this existing record (see CONTRIBUTING.md for what is kept)")
    p.add_argument("--id", dest="record_id", default=None, help="the id to use instead of one made from the title")
    p.set_defaults(func=cmd_new)
    p = sub.add_parser(
        "from-issue",
        help="draft a record from the body of a 'Suggest a case study' issue; exit 0 valid, 1 invalid, 2 not the form's body",
    )
    p.add_argument("--body", type=Path, required=True, help="a file holding the issue's body, as GitHub wrote it")
    p.add_argument("--number", type=int, default=None, help="the issue's number, to link the pull request to it")
    p.add_argument(
        "--comment",
        type=Path,
        default=None,
        metavar="OUT.md",
        help="write the pull-request body (valid) or the issue comment listing the problems (otherwise) here",
    )
    p.set_defaults(func=cmd_from_issue)
    p = sub.add_parser("fix", help="rewrite records in the canonical layout (never changes a value)")
    p.add_argument("files", nargs="*", help="record files (default: every record in case_studies/)")
    p.add_argument("--check", action="store_true", help="change nothing; fail if a record is not in the canonical layout")
    p.set_defaults(func=cmd_fix)
    p = sub.add_parser("pdf", help="print the built book as one PDF with Chromium (make pdf)")
    p.add_argument("--out", type=Path, help="where to write it (default: the site's own copy, _build/html/evidence-book.pdf)")
    p.add_argument(
        "--check", nargs="?", const="", type=str, metavar="PDF",
        help="print nothing: check that a printed PDF (default: the site's own copy) has a bookmark for every chapter, "
        "page and case study of the built book's contents; exit 1 listing those it lacks",
    )
    p.set_defaults(func=cmd_pdf)
    p = sub.add_parser("offline", help="zip the built site into the offline edition, to open from disk (make offline)")
    p.add_argument("--site", type=Path, help="the built site (default: _build/html)")
    p.add_argument("--out", type=Path, help="the zip to write (default: _build/offline/evidence-book-<edition>.zip)")
    p.set_defaults(func=cmd_offline)
    p = sub.add_parser("changed-pages", help="list the pages added, changed or removed since a git ref")
    p.add_argument("--base", required=True, help="the git ref to compare with, e.g. origin/main")
    p.add_argument("--site-url", default="", help="prefix page paths with this address")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.set_defaults(func=cmd_changed_pages)
    p = sub.add_parser("check-addresses", help="fail unless _config.yml names the repository and site this book is published from (CI, before it publishes)")
    p.add_argument("--repository", default="", help="the repository's address, e.g. https://github.com/owner/name")
    p.add_argument("--site", default="", help="the published site's address, e.g. https://owner.github.io/name/")
    p.set_defaults(func=cmd_check_addresses)
    p = sub.add_parser("release", help="cut an edition: check, tag the edition _config.yml gives (bumped to the next calendar version once it is tagged), commit and tag (tools/release.py)")
    p.set_defaults(func=cmd_release)
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except FileNotFoundError as err:  # no book around the given or current folder: one line, not a traceback
        if "no book root" not in str(err):
            raise
        print(f"evidencebook: {err} — run it inside the book's folder or pass --root", file=sys.stderr)
        return 2
    if argv is None and args.command == "build":  # run as the `evidencebook` command, not called in-process
        exit_without_teardown(status)
    return status


def exit_without_teardown(status: int) -> None:
    """Leave the process at once. A finished build of ten thousand records holds over a gigabyte of
    objects, and freeing them one by one at interpreter exit took 13 s; every file is written and closed
    by now, so skip that (as mypy does)."""
    import logging

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(status)


# --- reading offline: pdf, offline ---------------------------------------------------------------


def cmd_pdf(args: argparse.Namespace) -> int:
    from .pdfbook import PDF_FILE, build_pdf, missing_pages

    root = find_root(args.root)
    html_root = root / "_build" / "html"
    if args.check is not None:
        pdf = Path(args.check) if args.check else html_root / PDF_FILE
        if not pdf.is_file() or not (html_root / "index.html").is_file():
            print(f"evidencebook pdf --check: {pdf if not pdf.is_file() else html_root}: not found (make pdf first)", file=sys.stderr)
            return 1
        pages, missing = missing_pages(pdf, root, html_root)
        if missing:
            print(f"{pdf} lacks {len(missing)} of the {len(pages)} pages of the book's contents:", file=sys.stderr)
            for line in missing:
                print(f"  {line}", file=sys.stderr)
            return 1
        cases = sum(page.docname.startswith("cases/") for page in pages)
        print(f"{pdf} has every page of the book's contents: {plural(len(pages) - cases, 'chapter page')} and {plural(cases, 'case study', 'case studies')}")
        return 0
    out = build_pdf(root, html_root, args.out or html_root / PDF_FILE)  # the site's address: records/book.py
    print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_offline(args: argparse.Namespace) -> int:
    from ..records.book import read_book
    from .offline import write_offline_zip, zip_name

    root = find_root(args.root)
    site = args.site or root / "_build" / "html"
    edition = read_book(root).edition
    out = args.out or root / "_build" / "offline" / zip_name(edition)
    try:
        write_offline_zip(site, out, edition)
    except (FileNotFoundError, ValueError) as err:
        print(f"evidencebook offline: {err}", file=sys.stderr)
        return 1
    print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB): unzip it and open index.html in its folder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
