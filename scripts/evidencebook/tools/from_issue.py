"""`evidencebook from-issue`: turn an issue opened with the "Suggest a case study" form into a draft record.

GitHub writes a form's answers into the issue body as `### <label>`, a blank line and the answer
(`_No response_` when left empty; a multiple-choice dropdown as `a, b`; ticked boxes as `- [X] ...`).
The sections are matched to record fields by the form's own labels and ids, read from the generated
form file (.github/ISSUE_TEMPLATE/case-study.yml, written by derive.py from schema.py), so there is
no second list of fields to keep in step.

The draft is made the way `evidencebook new` makes a record (scaffold.py: the id from the title,
never overwriting, the canonical layout) and checked by the validator. Then one Markdown file is
written: a pull-request body when the draft is valid, or an issue comment listing every problem
with its field and fix when it is not (issue_reply.py).

Everything in the body is untrusted. Values are only ever data: they are written by the canonical
dumper (which reads its own text back and compares), never reach a shell, and are quoted in the
Markdown only inside code blocks, where GitHub links no @mention, #reference or address and renders
no HTML.

An invalid draft is not left behind: it is validated as a file in a temporary folder, and only a
draft that passes is written to case_studies/, so a checkout only ever gains a record that validates
(the workflow commits the one new file).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..records.bib import Bibliography, load_bibliography
from ..records.schema import CaseStudy, inner_model
from ..records.validate import Problem, validate_record_file
from ..records.vocabularies import load_vocabularies
from .derive import ISSUE_FORM, SOURCE_LINE_EXAMPLE, SOURCE_LINE_SEPARATOR
from .fix import dump_canonical
from .scaffold import id_from_title, new_record_data

NO_RESPONSE = "_No response_"
# GitHub keeps an issue body under 65,536 characters; a longer one did not come from the form.
MAX_BODY = 200_000
# No field of a record holds more than 6,000 characters (LongText); a longer answer is refused, not cut.
MAX_VALUE = 10_000

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


class UnusableBody(Exception):
    """The body cannot be read as the form at all (exit 2)."""


# --- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str  # input, textarea, dropdown, checkboxes
    multiple: bool
    path: tuple[str, ...]  # where the answer goes in a record; () for the confirmation boxes


def field_path(form_id: str) -> tuple[str, ...]:
    """The record field a form element fills, from its id as derive.py makes it: a top-level field
    (`summary`, `themes`) or `<group>-<field>` for a field of a group (`place-country`)."""
    name = form_id.replace("-", "_")
    if name in CaseStudy.model_fields:
        return (name,)
    group, _, sub = form_id.partition("-")
    model = inner_model(CaseStudy.model_fields[group].annotation) if group in CaseStudy.model_fields else None
    if model is not None and sub.replace("-", "_") in model.model_fields:
        return (group, sub.replace("-", "_"))
    return ()


def read_form(root: Path) -> list[FormField]:
    form = yaml.safe_load((root / ISSUE_FORM).read_text(encoding="utf-8"))
    out = []
    for element in form["body"]:
        if "id" not in element:
            continue  # the markdown introduction: GitHub does not repeat it in the body
        attributes = element["attributes"]
        out.append(
            FormField(
                element["id"],
                attributes["label"],
                element["type"],
                bool(attributes.get("multiple")),
                field_path(element["id"]),
            )
        )
    return out


# --- the body ------------------------------------------------------------------------------------


def split_body(body: str, form: list[FormField]) -> dict[str, str]:
    """The answer under each of the form's headings, by form id. Raises UnusableBody when a heading is
    missing, repeated or out of order: then the body was not written by the form (or an answer holds a
    line that looks like one of its headings), and no answer can be trusted to be the one asked for."""
    if len(body) > MAX_BODY:
        raise UnusableBody(f"it is {len(body):,} characters long, more than the form can produce")
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    by_label = {f"### {f.label}": f for f in form}
    found: list[tuple[int, FormField]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.rstrip() in by_label:
            found.append((number, by_label[line.rstrip()]))
    seen = [f.id for _, f in found]
    for f in form:
        if seen.count(f.id) == 0:
            raise UnusableBody(f"the heading '### {f.label}' is missing")
        if seen.count(f.id) > 1:
            raise UnusableBody(f"the heading '### {f.label}' appears {seen.count(f.id)} times")
    if seen != [f.id for f in form]:
        raise UnusableBody("the form's headings are not in the form's order")
    answers = {}
    for i, (number, f) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(lines)
        value = "\n".join(lines[number + 1 : end]).strip("\n").strip()
        answers[f.id] = "" if value == NO_RESPONSE else value
    return answers


# --- sources ---------------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Lowercase words separated by single spaces (BibTeX braces and punctuation dropped), for matching titles."""
    text = unicodedata.normalize("NFKC", text).replace("{", "").replace("}", "").lower()
    return " ".join(re.findall(r"\w+", text))


@dataclass
class SourceLine:
    line: int  # in the Sources answer, from 1
    reference: str
    key: str
    locator: str
    how: str  # how the key was found, for the pull request


def resolve_work(reference: str, bib: Bibliography) -> tuple[str, str] | str:
    """(key, how it was found) for the work a reference names, or a reason why none could be chosen.

    Strict, never a guess: the reference is a key of references.bib, or it holds the whole title of
    exactly one work and that work's year."""
    if reference in bib:
        return reference, "given as its key"
    if bib.data is None:
        return "references.bib cannot be read"
    words = f" {_words(reference)} "
    matches = []
    for key, entry in bib.data.entries.items():
        title = _words(entry.fields.get("title", ""))
        year = entry.fields.get("year", "")
        if title and f" {title} " in words and (not year or re.search(rf"\b{re.escape(year)}\b", reference)):
            matches.append(key)
    if len(matches) == 1:
        return matches[0], "its title and year match"
    if len(matches) > 1:
        return "it matches several works in the bibliography: " + ", ".join(sorted(matches))
    return "no work in the bibliography has this title and year"


def parse_sources(answer: str, bib: Bibliography) -> tuple[list[SourceLine], list[tuple[str, str, str]]]:
    """The sources, one per non-empty line, and (field, message, fix) for each line that cannot be read."""
    sources: list[SourceLine] = []
    problems: list[tuple[str, str, str]] = []
    lines = answer.split("\n") if answer else []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)  # a Markdown list marker is not part of the reference
        index = len(sources)
        reference, sep, locator = line.partition(SOURCE_LINE_SEPARATOR.strip())
        reference, locator = reference.strip(), locator.strip()
        if not sep or SOURCE_LINE_SEPARATOR.strip() in locator:
            problems.append(
                (
                    f"sources[{index}]",
                    f"line {number} cannot be read: it needs exactly one vertical bar (|) between the work and where in it",
                    f"write the reference, then ' | ', then the page, box or section, e.g. {SOURCE_LINE_EXAMPLE}",
                )
            )
            sources.append(SourceLine(number, reference or line, "", locator, ""))
            continue
        if not reference:
            problems.append((f"sources[{index}].key", f"line {number} gives no work before the vertical bar", "write the full reference first"))
            sources.append(SourceLine(number, "", "", locator, ""))
            continue
        found = resolve_work(reference, bib)
        if isinstance(found, str):
            problems.append(
                (
                    f"sources[{index}].key",
                    f"line {number}: the work could not be found in the book's bibliography ({found})",
                    "give the work's title and year exactly as the book's bibliography lists it, or its citation key "
                    "(the word before the first comma of its entry in references.bib); a work the book does not cite "
                    "yet is added to references.bib by a maintainer first",
                )
            )
            sources.append(SourceLine(number, reference, "", locator, ""))
            continue
        key, how = found
        if not locator:
            problems.append(
                (
                    f"sources[{index}].locator",
                    f"line {number} says nothing after the vertical bar",
                    "add where in the work a reader finds it: case-study number, box, section, annex and/or page",
                )
            )
        sources.append(SourceLine(number, reference, key, locator, how))
    return sources, problems


# --- the draft -------------------------------------------------------------------------------------


@dataclass
class Draft:
    status: int
    record_id: str = ""
    path: Path | None = None  # the record written (valid drafts only)
    text: str = ""  # the canonical text of the draft, valid or not
    data: dict = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (form label, message, fix)
    sources: list[SourceLine] = field(default_factory=list)
    free_text: dict[str, str] = field(default_factory=dict)  # form label -> answer not put in the record
    reason: str = ""  # why the body is unusable


def _setdefault_path(data: dict, path: tuple[str, ...], value: Any) -> None:
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _label_of(problem_field: str, form: list[FormField], sources: list[SourceLine]) -> str:
    """A validator's field (place.country, sources[1].locator) in the form's words (Place: country, Sources, line 3)."""
    if problem_field in ("id", "(file)"):
        return "Title (the record's id is made from it)"
    by_id = next((f for f in form if f.id == problem_field), None)
    if by_id is not None:
        return by_id.label
    match = re.match(r"sources\[(\d+)\](?:\.(\w+))?", problem_field)
    if match:
        index = int(match.group(1))
        where = f", line {sources[index].line}" if index < len(sources) else ""
        part = {"key": " (the work)", "locator": " (where in it)"}.get(match.group(2) or "", "")
        return f"Sources{where}{part}"
    parts = tuple(p for p in re.split(r"[.\[\]]+", problem_field) if p and not p.isdigit())
    best = max((f for f in form if f.path and parts[: len(f.path)] == f.path), key=lambda f: len(f.path), default=None)
    if best is not None:
        return best.label
    return problem_field  # a field the form does not ask for (id, period): named as the record names it


def _covered(problem_field: str, claimed: set[str]) -> bool:
    return any(problem_field == c or problem_field.startswith((c + ".", c + "[")) for c in claimed)


def draft_from_issue(root: Path, body: str) -> Draft:
    form = read_form(root)
    try:
        answers = split_body(body, form)
    except UnusableBody as err:
        return Draft(EXIT_UNUSABLE, reason=str(err))
    bib = load_bibliography(root / "references.bib")

    own: list[tuple[str, str, str]] = []  # (record field, message, fix) found before the validator runs
    values: dict[tuple[str, ...], Any] = {}
    free_text: dict[str, str] = {}
    sources: list[SourceLine] = []
    for f in form:
        answer = answers[f.id]
        where = ".".join(f.path) or f.id
        if len(answer) > MAX_VALUE:
            own.append((where, f"is {len(answer):,} characters long", f"shorten it: no field of a record holds more than {MAX_VALUE:,}"))
            answer = ""
        if f.type == "checkboxes":
            boxes = re.findall(r"^- \[([ xX])\] ", answer, flags=re.MULTILINE)
            if not boxes or any(box == " " for box in boxes):
                own.append((f.id, "not every box is ticked", "read each statement and tick it when it is true of what you wrote"))
            continue
        if not f.path:
            continue
        annotation = CaseStudy.model_fields[f.path[0]].annotation
        if f.path == ("sources",):
            sources, problems = parse_sources(answer, bib)
            own += problems
        elif f.type == "textarea" and inner_model(annotation) is not None and len(f.path) == 1:
            # Outcomes and lessons are structured (a metric, a value, a unit, a kind...) and the form takes
            # free text: structure read into it would be a guess, so the text goes to the maintainer instead.
            if answer:
                free_text[f.label] = answer
        elif f.type == "dropdown" and f.multiple:
            values[f.path] = [v.strip() for v in answer.split(",") if v.strip()] if answer else []
        else:
            values[f.path] = answer

    title = values.get(("title",), "")
    record_id = id_from_title(title)
    data = new_record_data(title, record_id, None, None, None, None)
    # The scaffolder fills a missing country or level with a default; an answer left empty stays empty here,
    # so the validator asks the contributor for it rather than the draft claiming it.
    data["place"] = {}
    data["level"] = ""
    for path, value in values.items():
        if path == ("place", "region") and not value:
            continue  # optional: left out rather than written empty
        _setdefault_path(data, path, value)
    data["sources"] = [{"key": s.key, "locator": s.locator} for s in sources]

    case_dir = root / "case_studies"
    if title and not record_id:
        own.append(("title", "has no letters or digits to make the record's id from", "give the title in words"))
    taken = next((p for p in (case_dir / f"{record_id}.yml", case_dir / f"{record_id}.yaml") if record_id and p.exists()), None)
    if taken is not None:
        own.append(
            (
                "title",
                f"the book already has a case study with the id {record_id} (case_studies/{taken.name})",
                "if it is the same case study, suggest a change to it with the correction form instead; "
                "otherwise make the title more specific (the id is made from it)",
            )
        )

    text = dump_canonical(data)
    # Validated as a file of its own, outside the book, so every problem is found (even with no usable id)
    # and case_studies/ only ever gains a record that passes.
    checked_id = record_id or "untitled"
    # The schema stops the validator's other rules (the region for England, say) when a field fails, so
    # the copy validated leaves out the source lines already reported: every other problem is found too.
    # With none left, a stand-in source keeps the schema satisfied; it is never written or reported.
    reported = {int(m.group(1)) for f, _, _ in own if (m := re.match(r"sources\[(\d+)\]", f))}
    kept = [i for i in range(len(sources)) if i not in reported]
    checked_data = {**data, "id": checked_id, "sources": [data["sources"][i] for i in kept]}
    if reported and not kept and bib.keys:
        checked_data["sources"] = [{"key": next(iter(bib.keys)), "locator": "stand-in"}]
    with tempfile.TemporaryDirectory() as tmp:
        checked_path = Path(tmp) / f"{checked_id}.yml"
        checked_path.write_text(dump_canonical(checked_data), encoding="utf-8", newline="\n")
        checked = _validate(root, checked_path, f"case_studies/{checked_id}.yml")
    draft = Draft(EXIT_VALID, record_id, None, text, data, [], sources, free_text)
    claimed = {f for f, _, _ in own} | ({"id", "(file)"} if any(f == "title" for f, _, _ in own) else set())
    merged = list(own)
    for problem in checked:
        where = problem.field
        found = re.match(r"sources\[(\d+)\]", where)
        if found:  # back to the index of the line in the whole list
            if not kept:
                continue
            where = f"sources[{kept[int(found.group(1))]}]" + where[found.end() :]
        elif where == "sources" and reported:
            continue
        if not _covered(where, claimed):
            merged.append((where, problem.message, problem.fix))
    draft.problems = [(_label_of(f, form, sources), message, fix) for f, message, fix in merged]
    if draft.problems:
        draft.status = EXIT_INVALID
        return draft
    draft.path = case_dir / f"{record_id}.yml"
    with open(draft.path, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    return draft


def _validate(root: Path, path: Path, rel: str) -> list[Problem]:
    from ..records.kb import load_structured_data
    from ..records.vocab import framework_items_vocabulary

    vocabularies = load_vocabularies(root / "data")
    bib = load_bibliography(root / "references.bib")
    vocabularies["framework_items"] = framework_items_vocabulary(load_structured_data(root, bib)[0])
    return validate_record_file(path, rel, vocabularies, bib).problems
