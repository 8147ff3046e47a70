"""Command line: `evidencebook validate | derive | export | new`.

Run through make (make validate, make derive, make new-case-study) or as `python -m evidencebook`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .kb import find_root, load_knowledge_base


def cmd_validate(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    kb = load_knowledge_base(root)
    for problem in kb.problems:
        print(problem)
    total = len(list((root / "case_studies").glob("*.yml"))) - int((root / "case_studies" / "_template.yml").exists())
    if kb.problems:
        files = len({p.file for p in kb.problems})
        print(f"\n{len(kb.problems)} problem(s) in {files} file(s); {len(kb.records)} of {total} record(s) valid.", file=sys.stderr)
        print("Fix each line above (file:line: field: what is wrong — how to fix it), then run `make validate` again.", file=sys.stderr)
        return 1
    print(f"{len(kb.records)} case studies valid.")
    return 0


def cmd_derive(args: argparse.Namespace) -> int:
    from .derive import stale_derived, write_derived

    root = find_root(args.root)
    if args.check:
        stale = stale_derived(root)
        for path in stale:
            print(f"{path.relative_to(root)}: out of date with scripts/evidencebook/schema.py — run `make derive` and commit the result")
        return 1 if stale else 0
    for path in write_derived(root):
        print(f"wrote {path.relative_to(root)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import write_exports

    root = find_root(args.root)
    kb = load_knowledge_base(root)
    if not kb.ok:
        for problem in kb.problems:
            print(problem, file=sys.stderr)
        return 1
    for path in write_exports(kb, Path(args.out)):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evidencebook", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="the book's root folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check every record; print every problem").set_defaults(func=cmd_validate)
    p = sub.add_parser("derive", help="rewrite the files derived from the schema")
    p.add_argument("--check", action="store_true", help="fail if a derived file is out of date instead of writing")
    p.set_defaults(func=cmd_derive)
    p = sub.add_parser("export", help="write the JSON and CSV exports")
    p.add_argument("--out", default="_build/html/data")
    p.set_defaults(func=cmd_export)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
