"""From an issue to a pull request: `evidencebook from-issue` on saved issue bodies, and the workflow around it.

The bodies in tests/fixtures/issues/ are written as GitHub writes a form's answers (`### <label>`, a
blank line, the answer). Valid: the draft is written in the canonical layout and validates. Invalid:
nothing is written and the comment names every problem with its field and fix. Hostile: whatever the
body holds stays data in one file under case_studies/, and the Markdown written for GitHub is inert.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from evidencebook.records.yamlsafe import load_yaml_bytes
from evidencebook.tools.derive import ISSUE_FORM
from evidencebook.tools.fix import dump_canonical
from evidencebook.tools.from_issue import _validate, draft_from_issue, read_form, split_body

from .conftest import ROOT, knowledge_root

ISSUES = Path(__file__).parent / "fixtures" / "issues"
WORKFLOW = ROOT / ".github" / "workflows" / "issue-to-pr.yml"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A book root with what from-issue reads: data, references, the form, an empty case_studies/."""
    root = knowledge_root(tmp_path / "book", templates=True)
    (root / ISSUE_FORM).parent.mkdir(parents=True)
    shutil.copy(ROOT / ISSUE_FORM, root / ISSUE_FORM)
    return root


def from_issue(root: Path, body: str | Path, number: str = "20") -> tuple[subprocess.CompletedProcess, str]:
    """Run the command as the workflow does; returns the process and the Markdown it wrote."""
    body_file = body if isinstance(body, Path) else root.parent / "body.md"
    if not isinstance(body, Path):
        body_file.write_text(body, encoding="utf-8")
    out = root.parent / "out.md"
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(root), "from-issue", "--body", str(body_file), "--number", number, "--comment", str(out)],
        capture_output=True,
        text=True,
    )
    return result, out.read_text(encoding="utf-8") if out.exists() else ""


def records(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "case_studies").iterdir() if not p.name.startswith("_"))


def everything(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if "_build" not in p.parts}


def with_answer(body: str, label: str, answer: str) -> str:
    """`body` with the answer under `### label` replaced."""
    pattern = re.compile(rf"(### {re.escape(label)}\n\n)(.*?)(\n\n### |\Z)", re.S)
    replaced, count = pattern.subn(lambda m: m.group(1) + answer + m.group(3), body, count=1)
    assert count == 1, label
    return replaced


VALID = (ISSUES / "valid.md").read_text(encoding="utf-8")


def assert_inert(markdown: str, *user_texts: str) -> None:
    """Rendered as GitHub would (CommonMark, no raw HTML passes), the Markdown holds no link, image or
    HTML element, and any @ or user text is inside code, where GitHub links no mention or reference."""
    html = MarkdownIt("commonmark").render(markdown)
    assert not re.search(r"<(?!/?(?:p|pre|code|em|strong|ul|ol|li|br|h\d)\b)[a-zA-Z/!?]", html), html
    outside_code = re.sub(r"<pre><code[^>]*>.*?</code></pre>|<code>.*?</code>", "", html, flags=re.S)
    assert "@" not in outside_code and "${{" not in outside_code
    for text in user_texts:
        assert text not in outside_code, text


# --- valid --------------------------------------------------------------------------------------


def test_a_valid_issue_becomes_a_canonical_record_that_validates(book: Path):
    result, pr_body = from_issue(book, ISSUES / "valid.md")
    assert result.returncode == 0, result.stderr
    assert records(book) == ["testborough-social-prescribing-alliance.yml"]
    path = book / "case_studies" / "testborough-social-prescribing-alliance.yml"
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert text == dump_canonical(data), "written in the canonical layout (make fix would change nothing)"
    assert _validate(book, path, "case_studies/" + path.name) == []
    assert data["title"] == "Testborough social prescribing alliance"
    assert data["place"] == {"name": "Testborough", "country": "england", "region": "north-west"}
    assert data["level"] == "place" and data["model"] == ["alliance", "pooled-budget"]
    assert data["themes"] == ["social-prescribing", "voluntary-sector"]
    assert data["summary"].startswith("Link workers in Testborough's GP practices") and "\n\nThe council" in data["summary"]
    assert data["evidence"] == {
        "type": "before-and-after",
        "appraisal": "Appointments fell against the year before referral, but there was no comparison group.",
    }
    # One line by the work's title and year, one by its key (after a Markdown list marker).
    assert data["sources"] == [
        {"key": "phc2016getwellsoon", "locator": "Case study 12, p. 40"},
        {"key": "ham2015placebased", "locator": "Section 3, p. 21"},
    ]
    assert data["outcomes"] == [] and "lessons" not in data, "free text is not guessed into structure"
    # The pull request says what was drafted and what a maintainer must still check.
    assert "Closes #20" in pr_body and "case_studies/testborough-social-prescribing-alliance.yml" in pr_body
    assert "GP appointments fell by 12%" in pr_body, "the outcomes answer is handed to the maintainer"
    for check in ("locator", "figure", "own words"):
        assert check in pr_body, check
    assert_inert(pr_body)


def test_sections_are_found_by_the_forms_own_labels(book: Path):
    """Rename a label in the form and the body written with the new label is read: no second list of labels."""
    form_file = book / ISSUE_FORM
    form_file.write_text(form_file.read_text(encoding="utf-8").replace("label: Themes", "label: What it is about"), encoding="utf-8")
    assert [f.label for f in read_form(book)].count("What it is about") == 1
    result, _ = from_issue(book, VALID.replace("### Themes\n", "### What it is about\n"))
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((book / "case_studies" / "testborough-social-prescribing-alliance.yml").read_text(encoding="utf-8"))
    assert data["themes"] == ["social-prescribing", "voluntary-sector"]


def test_windows_line_endings_are_read_the_same(book: Path):
    form = read_form(book)
    assert split_body(VALID.replace("\n", "\r\n"), form) == split_body(VALID, form)


def test_an_existing_id_is_never_overwritten_and_is_explained(book: Path):
    assert from_issue(book, ISSUES / "valid.md")[0].returncode == 0
    path = book / "case_studies" / "testborough-social-prescribing-alliance.yml"
    before = path.read_bytes()
    result, comment = from_issue(book, with_answer(VALID, "Summary", "Another text."))
    assert result.returncode == 1 and path.read_bytes() == before
    assert "Title: the book already has a case study with the id testborough-social-prescribing-alliance" in comment
    assert "make the title more specific" in comment


# --- invalid ------------------------------------------------------------------------------------


def test_an_invalid_issue_gets_every_problem_with_its_field_and_fix_and_no_file(book: Path):
    result, comment = from_issue(book, ISSUES / "invalid.md")
    assert result.returncode == 1, result.stderr
    assert records(book) == [], "an invalid draft is not left behind"
    expected = [
        "Themes: 'loneliness' is not in the themes vocabulary — known values:",
        "Sources, line 1 (where in it): line 1 says nothing after the vertical bar — add where in the work a reader finds it",
        "Sources, line 2: line 2 cannot be read: it needs exactly one vertical bar (|) — ",
        "Sources, line 3 (the work): line 3: the work could not be found in the book's bibliography",
        # Found although the sources failed: every problem at once, not one layer at a time.
        "Place: region: is missing for a case study in England — add the English region",
    ]
    for line in expected:
        assert line.split(" — ")[0] in comment, line
    assert comment.count("\n") < 20 and "5 problems" in comment
    assert_inert(comment, "loneliness")


def test_a_required_dropdown_left_empty_is_asked_for_not_defaulted(book: Path):
    result, comment = from_issue(book, with_answer(VALID, "Place: country", "_No response_"))
    assert result.returncode == 1 and records(book) == []
    assert "Place: country:" in comment, comment


def test_unticked_boxes_are_a_problem(book: Path):
    result, comment = from_issue(book, VALID.replace("- [X] Every figure", "- [ ] Every figure"))
    assert result.returncode == 1 and "Before you submit: not every box is ticked" in comment


# --- not the form's body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, reason",
    [
        ("Please add Wigan.", "the heading '### Title' is missing"),
        (VALID.replace("### Lessons\n", "### Lesson\n"), "the heading '### Lessons' is missing"),
        # An answer holding a line that is one of the form's headings could move answers between fields.
        (with_answer(VALID, "Summary", "Text.\n\n### Title\n\nother"), "the heading '### Title' appears 2 times"),
        ("x" * 1_000_001, "more than the form can produce"),
    ],
)
def test_a_body_not_written_by_the_form_is_refused_with_exit_2(book: Path, body: str, reason: str):
    before = everything(book)
    result, comment = from_issue(book, body)
    assert result.returncode == 2 and reason in result.stderr, result.stderr
    assert everything(book) == before
    assert reason in comment and "could not be read as the" in comment
    assert_inert(comment)


# --- hostile ------------------------------------------------------------------------------------

HOSTILE_TITLE = "x\nid: ../../etc"
HOSTILE_PLACE = "../../etc/passwd\nlevel: national"
HOSTILE_SUMMARY = (
    "Thanks @octocat and @place-based-health/maintainers! See #1 and https://evil.example/x.\n"
    "[click](javascript:alert(1)) ![img](https://evil.example/p.png) `${{ github.token }}` ${{ secrets.GITHUB_TOKEN }}\n"
    "```\n$(rm -rf /) ; `id` ; ' \" \\ \n```\n"
    "---\nextra: key\n"
)
HOSTILE_APPRAISAL = "'; DROP TABLE records; -- @admin\" {{ 7*7 }} &amp; \u202eevil"


def hostile_body() -> str:
    body = with_answer(VALID, "Title", HOSTILE_TITLE)
    body = with_answer(body, "Place: name", HOSTILE_PLACE)
    body = with_answer(body, "Summary", HOSTILE_SUMMARY)
    body = with_answer(body, "Outcomes", "@everyone <img src=x onerror=alert(1)> ````` ${{ github.event.issue.title }}")
    return with_answer(body, "Evidence: appraisal", "Before and after, no comparison group; asked by @someone.")


def test_hostile_answers_stay_data_in_one_file_under_case_studies(book: Path):
    assert (ISSUES / "hostile.md").read_text(encoding="utf-8") == hostile_body(), "the saved body is the one built here"
    before = everything(book)
    result, pr_body = from_issue(book, ISSUES / "hostile.md")
    assert result.returncode == 0, result.stderr
    added = everything(book) - before
    assert added == {"case_studies/x-id-etc.yml"}, "the id comes from the title by id_from_title: nowhere else"
    text = (book / "case_studies" / "x-id-etc.yml").read_text(encoding="utf-8")
    loaded = load_yaml_bytes(text.encode("utf-8"))
    assert loaded.problems == []
    data = loaded.data
    assert set(data) == {"id", "title", "place", "level", "period", "organisations", "model", "themes", "summary", "outcomes", "evidence", "sources", "related", "links"}
    assert set(data["place"]) == {"name", "country", "region"}
    assert data["id"] == "x-id-etc" and data["title"] == HOSTILE_TITLE and data["place"]["name"] == HOSTILE_PLACE
    assert data["summary"] == HOSTILE_SUMMARY.strip() and data["level"] == "place"
    assert text == dump_canonical(data)
    assert_inert(pr_body, "@octocat", "@everyone", "<img", "${{")


def test_hostile_answers_that_fail_validation_get_an_inert_comment(book: Path):
    body = with_answer(hostile_body(), "Evidence: appraisal", HOSTILE_APPRAISAL)
    body = with_answer(body, "Themes", "<script>alert(1)</script>, @octocat, [x](https://evil.example)")
    body = with_answer(body, "Sources", "@octocat ```` <b>x</b> | p. 1\n${{ github.token }} | ![i](https://evil.example/i.png)")
    before = everything(book)
    result, comment = from_issue(book, body)
    assert result.returncode == 1, result.stderr
    assert everything(book) == before, "nothing is written"
    assert "U+202E" in comment and "\u202e" not in comment, "a bidi override is named, not obeyed"
    assert_inert(comment, "<script>", "@octocat", "https://evil.example", "${{")


def test_a_huge_answer_is_refused_not_cut(book: Path):
    result, comment = from_issue(book, with_answer(VALID, "Summary", "w" * 20_000))
    assert result.returncode == 1 and records(book) == []
    assert "Summary: is 20,000 characters long — shorten it" in comment
    assert len(comment) < 5000


# --- the workflow -------------------------------------------------------------------------------


def test_the_workflow_never_puts_the_issue_into_a_script():
    """`${{ github.event.issue.* }}` inside `run:` would be pasted into the shell script before it runs:
    an issue titled `"; curl ... #` would run. The workflow passes the issue through env instead."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs, "the workflow runs scripts"
    for script in runs:
        assert not re.search(r"\$\{\{[^}]*github\.event\.issue", script), script
        assert "${{" not in script, "no expression at all in a script: values come through env"
    body_step = next(step for step in steps if "ISSUE_BODY" in step.get("env", {}))
    assert body_step["env"]["ISSUE_BODY"] == "${{ github.event.issue.body }}"
    assert "from-issue" in "".join(runs) and "gh pr create --draft" in "".join(runs) and "gh issue comment" in "".join(runs)


def test_the_workflow_runs_on_the_forms_issues_with_minimal_permissions():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert triggers == {"issues": {"types": ["opened", "edited"]}}
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "write"}
    assert "github.event.issue.number" in workflow["concurrency"]["group"]
    label = yaml.safe_load((ROOT / ISSUE_FORM).read_text(encoding="utf-8"))["labels"][0]
    (job,) = workflow["jobs"].values()
    assert f"contains(github.event.issue.labels.*.name, '{label}')" in job["if"]
    assert "case-study/issue-$ISSUE_NUMBER" in "".join(step.get("run", "") for step in job["steps"])


def github_setup_section() -> str:
    """README's section on what the repository on GitHub needs once, which maintainers follow."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### What the repository on GitHub needs, once")
    return " ".join(readme[start : readme.index("\n## ", start)].split())


def test_the_readme_tells_maintainers_to_create_every_label_the_forms_give():
    """GitHub adds a form's label only if the repository has it, and the workflow runs only on the form's
    label: a maintainer who never reads that finds no pull request and no error."""
    section = github_setup_section()
    forms = sorted((ROOT / ISSUE_FORM).parent.glob("*.yml"))
    labels = [label for form in forms for label in yaml.safe_load(form.read_text(encoding="utf-8")).get("labels", [])]
    assert "case study" in labels
    for label in labels:
        assert f"`{label}`" in section, f"README does not name the label {label!r} to create"
    assert "adds a label only if the repository already has it" in section and WORKFLOW.name in section


def test_draft_from_issue_in_process_matches_the_command(book: Path):
    draft = draft_from_issue(book, VALID)
    assert draft.status == 0 and draft.path == book / "case_studies" / "testborough-social-prescribing-alliance.yml"
    assert draft.path.read_text(encoding="utf-8") == draft.text


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Outcomes", "Title (the record's id is made from it): the id 'outcomes' is the name of a page"),
        ("🚑 ★", "Title: has no letters or digits to make the record's id from — give the title in words"),
        ("../../../.github/workflows/x", None),  # a path is only words to id_from_title: github-workflows-x
    ],
)
def test_the_id_comes_from_the_title_and_a_bad_one_is_explained(book: Path, title: str, expected: str | None):
    before = everything(book)
    result, out = from_issue(book, with_answer(VALID, "Title", title))
    if expected is None:
        assert result.returncode == 0 and everything(book) - before == {"case_studies/github-workflows-x.yml"}
    else:
        assert result.returncode == 1 and everything(book) == before
        assert expected in out, out
