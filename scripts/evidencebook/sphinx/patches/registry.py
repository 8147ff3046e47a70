"""What a patch of another project declares, the check of the installed versions, and the record of
what each patch did in a build."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from sphinx.errors import ExtensionError


@dataclass(frozen=True)
class Patch:
    name: str
    # distribution -> the exact versions whose code the patch was read against and tested with
    written_for: dict[str, tuple[str, ...]]
    upstream: str  # the upstream issue or pull request it works around, or why there is none
    pays: str  # what it saves, as measured (docs/performance.md has the numbers)
    effect: str  # what the count in the build's record counts
    apply: Callable  # apply(app): install the patch; called at config-inited


def installed_version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def version_mismatches(patch: Patch, installed: Callable[[str], str | None] = installed_version) -> list[str]:
    mismatches = []
    for distribution, expected in patch.written_for.items():
        found = installed(distribution)
        if found not in expected:
            mismatches.append(
                f"patch {patch.name!r} replaces internals of {distribution} {' or '.join(expected)}, "
                f"but {distribution} {found or '(not installed)'} is installed"
            )
    return mismatches


def check_versions(patches, installed: Callable[[str], str | None] = installed_version) -> None:
    """Stop the build, naming every patch whose project is not at a version it was written for."""
    problems = [problem for patch in patches for problem in version_mismatches(patch, installed)]
    if problems:
        raise ExtensionError(
            "the book patches other projects' internals, and these no longer match what is installed:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nWhat to do: read the patch (scripts/evidencebook/sphinx/patches/) against the installed code and "
            "its upstream issue. If upstream fixed it, delete the patch; if the patch still applies, add the version to "
            "its `written_for`; or install the locked versions (requirements.lock). "
            "`evidencebook build --plain-sphinx` builds with no patch at all."
        )


# Times each patch's code ran in this process (merged back from the workers of the parallel write).
EFFECTS: Counter[str] = Counter()


def observed(name: str, times: int = 1) -> None:
    EFFECTS[name] += times
