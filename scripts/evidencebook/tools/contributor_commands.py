"""The contributor's commands of `evidencebook` (tools/cli.py parses the command line): `new`, `from-issue`,
`fix` and `changed-pages`.
"""

from __future__ import annotations

import argparse
import sys

from ..publish.html import plural
from ..records.kb import find_root


def _ask(prompt: str) -> str:
    """Ask on a terminal; elsewhere (CI, pipes) there is nobody to answer."""
    if not sys.stdin.isatty():
        return ""
    try:
        return input(prompt).strip()
    except EOFError:
        return ""


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import KEPT_BY_FROM, ScaffoldError, scaffold

    root = find_root(args.root)
    title = args.title.strip() or _ask("Title of the case study: ")
    place = args.place.strip() or (None if args.from_id else _ask("Place (town, county, system or country): "))
    try:
        made = scaffold(root, title, place, args.country, args.region, args.level, args.from_id, args.record_id)
    except ScaffoldError as err:
        print(f"evidencebook new: {err}", file=sys.stderr)
        print('Usage: make new-case-study TITLE="..." PLACE="..." [COUNTRY=... REGION=... LEVEL=... FROM=id ID=id]', file=sys.stderr)
        return 2
    rel = made.path.relative_to(root).as_posix()
    print(f"Wrote {rel} (id: {made.record_id}).")
    if args.from_id:
        print(f"Started from case_studies/{args.from_id}.yml, keeping {', '.join(KEPT_BY_FROM)}; everything else is cleared.")
    print("\nFill in next — `make validate` reports these until they are done:")
    for line in made.todo:
        print(f"  {line}")
    print(
        "\nThen:\n"
        "  1. add outcomes (every figure, with its unit, kind and domain), organisations, period, related ids and links if the sources give them;\n"
        "  2. if a source is not yet in references.bib, add it there first (CONTRIBUTING.md, 'Citing a new source');\n"
        "  3. make validate   — repeat until it reports no problem;\n"
        "  4. make fix        — puts the record in the canonical layout and removes the guide comments;\n"
        f"  5. make book && make serve, then open http://127.0.0.1:8000/cases/{made.record_id}.html"
    )
    return 0


def cmd_from_issue(args: argparse.Namespace) -> int:
    from .from_issue import EXIT_UNUSABLE, EXIT_VALID, MAX_BODY, Draft, draft_from_issue
    from .issue_reply import inert, write_markdown

    root = find_root(args.root)
    try:
        raw = args.body.read_bytes()
        if len(raw) > MAX_BODY * 4:  # more bytes than MAX_BODY characters can take: refused before decoding
            draft = Draft(EXIT_UNUSABLE, reason=f"it is {len(raw):,} bytes long, more than the form can produce")
        else:
            draft = draft_from_issue(root, raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        draft = Draft(EXIT_UNUSABLE, reason=f"the body cannot be read as UTF-8 text ({type(err).__name__})")
    except Exception:  # a bug here, not a verdict on the issue: 3, never the 1 that makes the workflow comment
        import traceback

        traceback.print_exc()
        return 3
    if args.comment is not None:
        write_markdown(draft, args.comment, args.number)
    if draft.status == EXIT_VALID:
        print(f"Wrote {draft.path.relative_to(root).as_posix()} (id: {draft.record_id}); it passes validation.")
    elif draft.status == EXIT_UNUSABLE:
        print(f"evidencebook from-issue: the body is not the form's: {draft.reason}", file=sys.stderr)
    else:
        print(f"evidencebook from-issue: the draft has {plural(len(draft.problems), 'problem')}; nothing was written:", file=sys.stderr)
        for label, message, fix in draft.problems:
            print(f"  {label}: {inert(message, 300)} — {inert(fix, 600)}", file=sys.stderr)
    return draft.status


def cmd_fix(args: argparse.Namespace) -> int:
    from .fix import FIXES, fix_files, record_files

    root = find_root(args.root)
    changed, refused = fix_files(root, record_files(root, args.files), check=args.check)
    for result in refused:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"{result.rel}: not rewritten — fix the problem(s) above by hand first (make fix only changes layout)", file=sys.stderr)
    for result in changed:
        if args.check:
            print(f"{result.rel}: not in the canonical layout — run `make fix`")
        else:
            dropped = f" (removed {result.comments_dropped} comment line(s))" if result.comments_dropped else ""
            print(f"fixed {result.rel}{dropped}")
    if args.check:
        if changed:
            print(f"`make fix` mends {FIXES}, and changes no value.")
        return 1 if changed or refused else 0
    if not changed and not refused:
        print("Every record is already in the canonical layout.")
    return 1 if refused else 0


def cmd_changed_pages(args: argparse.Namespace) -> int:
    from .changed import GitError, as_markdown, as_text, changed_pages

    root = find_root(args.root)
    try:
        result = changed_pages(root, args.base)
    except GitError as err:
        print(f"evidencebook changed-pages: cannot compare with {args.base!r}: {err}", file=sys.stderr)
        return 2
    print((as_markdown if args.format == "markdown" else as_text)(result, args.site_url), end="")
    return 0
