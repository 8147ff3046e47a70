"""What `evidencebook from-issue` writes back to GitHub: the pull-request body of a valid draft, or the
issue comment listing every problem of one that is not (from_issue.py makes the draft).

Every value in them came from the issue and is untrusted: it is quoted only inside fenced code blocks,
where GitHub links no @mention, #reference or address and renders no HTML, with hidden and
line-breaking characters shown as codes.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..records.characters import is_hidden_character
from .from_issue import EXIT_UNUSABLE, EXIT_VALID, Draft

# A value quoted back in a comment is cut to this, so a huge answer cannot make a huge comment.
MAX_SHOWN = 200


def inert(text: str, limit: int | None = None) -> str:
    """`text` made safe to put inside a code block: hidden and line-breaking characters shown as codes
    (a bidi override could reorder the comment around it), cut to `limit` characters."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit:,} more characters)"
    return "".join(f"<U+{ord(ch):04X}>" if is_hidden_character(ch) or ch in "\u2028\u2029" else ch for ch in text)


def code_block(text: str) -> str:
    """A fenced code block holding `text` as it is: the fence is longer than any run of backticks in
    it, so nothing inside can close it, and GitHub renders nothing inside as Markdown or HTML."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def comment_markdown(draft: Draft, number: int | None) -> str:
    if draft.status == EXIT_UNUSABLE:
        return (
            "This issue could not be read as the *Suggest a case study* form, so no draft record was made:\n\n"
            + code_block(inert(draft.reason, MAX_SHOWN))
            + "\n\nEdit the issue and keep each `###` heading the form wrote, with your answer below it (an answer "
            "must not itself contain a line that is one of the headings), or open a new issue with the form.\n"
        )
    lines = [f"{problem_label}: {inert(message, MAX_SHOWN)} — {inert(fix, 3 * MAX_SHOWN)}" for problem_label, message, fix in draft.problems]
    count = len(draft.problems)
    return (
        f"Thank you for the suggestion. The draft record made from this issue does not pass the book's checks yet: "
        f"{count} {'problem' if count == 1 else 'problems'}, each with the form field it is in and what to do.\n\n"
        + code_block("\n".join(lines))
        + "\n\nEdit the issue to fix them; the draft is made again after each edit, and a pull request is "
        "opened once it passes.\n"
    )


def pr_body_markdown(draft: Draft, number: int | None) -> str:
    rel = f"case_studies/{draft.record_id}.yml"
    out = []
    if number is not None:
        out += [f"Closes #{number}: a draft of the case study suggested there.", ""]
    out += [
        f"`evidencebook from-issue` wrote `{rel}` from the form's answers, in the canonical layout, and the validator "
        "passes it. It is a draft: the form cannot check what only a reader of the sources can.",
        "",
        "**Title as given**",
        "",
        code_block(inert(str(draft.data.get("title", "")), MAX_SHOWN)),
        "",
        "**Sources: how each line was matched to references.bib**",
        "",
        code_block(
            "\n".join(inert(f"line {s.line}: {s.key} ({s.how}) at {s.locator!r} — from: {s.reference}", 2 * MAX_SHOWN) for s in draft.sources)
        ),
        "",
    ]
    if draft.free_text:
        out += [
            "**Left out of the record**: these answers are free text, and the record needs them as structured "
            "entries (each outcome with its value, unit, kind and domain; each lesson with its type, factors and "
            "source). Turn what the sources support into entries, or leave them out:",
            "",
        ]
        for label, answer in draft.free_text.items():
            out += [f"*{label}*", "", code_block(inert(answer)), ""]
    out += [
        "**Before marking this ready for review, a maintainer checks that:**",
        "",
        "- [ ] each locator points to where the work says it (open the source at that page, box or section);",
        "- [ ] each source line was matched to the right work (see above);",
        "- [ ] every figure in the summary is in the sources, at the page given;",
        "- [ ] the summary and the appraisal are in our own words, not the source's;",
        "- [ ] the evidence type is the strongest the sources report, and no stronger;",
        "- [ ] organisations, period, status, related case studies and links are filled in where the sources give them;",
        "- [ ] the contributor is credited.",
        "",
        "Checks do not run on a pull request opened by a workflow: push a commit (or close and reopen it) to run them.",
        "",
    ]
    return "\n".join(out)


def write_markdown(draft: Draft, out: Path, number: int | None) -> None:
    text = pr_body_markdown(draft, number) if draft.status == EXIT_VALID else comment_markdown(draft, number)
    out.write_text(text, encoding="utf-8", newline="\n")
