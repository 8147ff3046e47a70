"""`make release`: cut an edition of the book.

1. The working tree must be clean: an edition is a commit, and everything in it is committed.
2. Every record and data file must validate, and the derived files must be current.
3. The edition released is the one _config.yml gives, which the site already announces (footers, citations,
   What's new, the feed's entry ids), as long as no tag v<edition> exists: the first release cuts it
   unchanged. Once it is tagged, the edition goes to the next calendar version: year.month.release,
   the release counting from 0 in each month (2026.12.0, 2026.12.1, 2027.1.0).
4. The edition's list of pages, data/editions/<edition>-pages.txt (records/editions.py), records the
   address of every page it publishes, so that later editions can be checked to keep them working.
5. CITATION.cff and .zenodo.json get the new edition and today's date; the change is committed as
   "Edition X" and tagged vX (annotated). Pushing is left to the maintainer: `git push --follow-tags`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..records.book import CONFIG, EDITION, edition_problem, read_book
from ..records.editions import page_list_text, pages_file
from .metadata import metadata_files


class ReleaseError(RuntimeError):
    """Why no edition was cut; nothing was changed."""


EDITION_LINE = re.compile(r'^edition:[ \t]*"?([^"\n#]*?)"?[ \t]*(#.*)?$', re.M)


def next_edition(current: str, today: date) -> str:
    """The edition after `current` on `today`: the next release of this month, or the first of a new one."""
    problem = edition_problem(current)
    if problem:
        raise ReleaseError(f"_config.yml: {problem}; set it by hand once, then `make release` bumps it")
    year, month, number = (int(part) for part in EDITION.match(current).groups())  # type: ignore[union-attr]
    if (today.year, today.month) == (year, month):
        return f"{year}.{month}.{number + 1}"
    if (today.year, today.month) < (year, month):
        raise ReleaseError(f"the edition {current} is later than today ({today.isoformat()}): is the clock right?")
    return f"{today.year}.{today.month}.0"


def edition_to_release(current: str, today: date, tagged: Callable[[str], bool]) -> str:
    """The edition `make release` cuts: `current` itself while it has no tag (`tagged(edition)` says
    whether v<edition> exists), so the edition the site announces is the one tagged; else the next."""
    problem = edition_problem(current)
    if problem:
        raise ReleaseError(f"_config.yml: {problem}; set it by hand once, then `make release` bumps it")
    if not tagged(current):
        return current
    return next_edition(current, today)


def set_edition(config_text: str, edition: str) -> str:
    """_config.yml with its `edition:` line set to `edition` (its comments and layout kept)."""
    found = EDITION_LINE.findall(config_text)
    if len(found) != 1:
        raise ReleaseError("_config.yml must have exactly one top-level `edition:` line")
    return EDITION_LINE.sub(lambda m: f'edition: "{edition}"' + (f"  {m.group(2)}" if m.group(2) else ""), config_text)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def release(
    root: Path,
    today: date,
    validate: Callable[[Path], list[str]],
    stale: Callable[[Path], list[str]],
    pages: Callable[[Path], list[str]],
) -> str:
    """Cut an edition of the book at `root` (a git checkout) on `today`; returns it. `validate`
    lists the records' problems, `stale` the derived files that are not current, and `pages` the paths
    of the pages the book publishes (relative to the site's root; the CLI builds the book for them)."""
    if not (root / CONFIG).is_file():
        raise ReleaseError(f"no {CONFIG} in {root}")
    git(root, "rev-parse", "--verify", "HEAD")
    dirty = git(root, "status", "--porcelain", "--untracked-files=normal").strip()
    if dirty:
        raise ReleaseError("the working tree has changes that are not committed; commit or stash them first:\n" + dirty)
    problems = validate(root)
    if problems:
        raise ReleaseError("the records do not validate (`make validate`):\n" + "\n".join(problems))
    outdated = stale(root)
    if outdated:
        raise ReleaseError(f"derived files are not current: {', '.join(outdated)}; run `make derive` and commit")
    edition = edition_to_release(read_book(root).edition, today, lambda name: bool(git(root, "tag", "--list", f"v{name}").strip()))
    tag = f"v{edition}"
    if git(root, "tag", "--list", tag).strip():
        raise ReleaseError(f"the tag {tag} exists already")
    published = pages(root)
    if not published:
        raise ReleaseError("the book publishes no pages: build it (`make book`) and try again")
    try:
        page_list = page_list_text(published)
    except ValueError as err:
        raise ReleaseError(f"the list of the edition's pages is wrong: {err}") from err
    listing = pages_file(root, edition)
    if listing.exists():
        raise ReleaseError(f"{listing.relative_to(root).as_posix()} exists already")
    config = root / CONFIG
    config.write_text(set_edition(config.read_text(encoding="utf-8"), edition), encoding="utf-8")
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(page_list, encoding="utf-8")
    changed = [config, listing]
    for path, text in metadata_files(root, today.isoformat()).items():
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    git(root, "add", "--", *(p.relative_to(root).as_posix() for p in changed))
    git(root, "commit", "--quiet", "-m", f"Edition {edition}")
    git(root, "tag", "--annotate", tag, "-m", f"Edition {edition} of {read_book(root).title}")
    return edition
