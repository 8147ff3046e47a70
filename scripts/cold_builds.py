"""Build the book from a cold start several times in a row (`make cold-builds`; CI runs it).

Each build runs in a fresh copy of the checkout's files (tracked and new, never _build, caches or
generated pages), so it starts with no Sphinx environment, no notebook cache and none of our caches:
the state in which a race between parallel workers shows, and in which a new contributor's first
`make book` runs. A single passing cold build proves little when a failure depends on timing; several
in a row on a busy machine make a race likely to show.

    .venv/bin/python scripts/cold_builds.py --runs 3
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def checkout_files(root: Path) -> list[str]:
    """The checkout's files as a fresh clone of it would have them, plus new files not yet committed."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


def copy_checkout(root: Path, target: Path) -> None:
    for name in checkout_files(root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target / name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    failures = 0
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="cold-build-") as folder:
            book = Path(folder)
            copy_checkout(ROOT, book)
            started = time.perf_counter()
            result = subprocess.run(
                [str(BIN / "evidencebook"), "--root", str(book), "build"],
                cwd=book,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
            if result.returncode == 0:
                print(f"cold build {run} of {args.runs}: passed in {seconds:.1f} s", flush=True)
            else:
                failures += 1
                print(f"cold build {run} of {args.runs}: FAILED (exit {result.returncode}) after {seconds:.1f} s", flush=True)
                print(result.stdout[-4000:] + result.stderr[-4000:], flush=True)
    print(f"{args.runs - failures} of {args.runs} cold builds passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
