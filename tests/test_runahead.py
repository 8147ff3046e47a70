"""Chapters run ahead of the second pass (sphinx/runahead.py): the runner executes a stale chapter into
the notebook cache, passes over one the second pass has claimed or the cache already holds, and the
second pass waits for a chapter the runner is executing. One small chapter, a real kernel; no build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_cache import get_cache
from myst_nb.core.config import NbParserConfig
from myst_nb.core.read import create_nb_reader
from myst_parser.config.main import MdParserConfig

from evidencebook.sphinx import runahead
from evidencebook.sphinx.buildstate import prepare_notebook_cache

CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
evidencebook:
  inputs: [glossary]
---

# A chapter

```{code-cell} ipython3
print(6 * 7)
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "case_studies").mkdir()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "counted.md").write_text(CHAPTER)
    (tmp_path / "chapters" / "prose.md").write_text("# Prose only\n\nNo code here.\n")
    prepare_notebook_cache(tmp_path / "cache")
    return tmp_path


def cached_outputs(book: Path) -> list[str]:
    """The printed output of the chapter's cached execution, when the cache holds one for its code now."""
    [(_, path, text)] = runahead.chapter_pages(book)
    notebook = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text).read(text)
    try:
        _, merged = get_cache(str(book / "cache")).merge_match_into_notebook(notebook)
    except KeyError:
        return []
    return [output.get("text", "") for cell in merged.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]


def test_only_chapter_notebooks_are_run_each_with_its_inputs_cell(book):
    [(docname, path, text)] = runahead.chapter_pages(book)
    assert (docname, path.name) == ("chapters/counted", "counted.md")
    assert "declare_chapter('chapters/counted', ['glossary'])" in text


def test_a_stale_chapter_is_executed_and_cached_then_taken_from_the_cache(book, capsys):
    runahead.run(book, runahead.chapter_pages(book), book / "cache", timeout=60)
    assert "chapters/counted: run ahead" in capsys.readouterr().out
    assert cached_outputs(book) == ["42\n"]
    runahead.run(book, runahead.chapter_pages(book), book / "cache", timeout=60)
    assert "run ahead" not in capsys.readouterr().out, "its inputs did not change: nothing to run"


def test_a_chapter_the_second_pass_has_claimed_is_passed_over(book, capsys):
    runahead.claim(book, "chapters/counted")
    try:
        runahead.run(book, runahead.chapter_pages(book), book / "cache", timeout=60)
    finally:
        runahead.release("chapters/counted")
    assert "run ahead" not in capsys.readouterr().out
    assert cached_outputs(book) == []


def test_the_second_pass_waits_for_a_chapter_the_runner_is_executing(book, tmp_path):
    done = tmp_path / "done"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from evidencebook.sphinx import runahead\n"
            "runahead.claim(Path(sys.argv[1]), 'chapters/counted')\n"
            "print('held', flush=True)\n"
            "time.sleep(0.5)\n"
            "Path(sys.argv[2]).write_text('done')\n",
            str(book),
            str(done),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    runahead.claim(book, "chapters/counted")  # returns once the holder has finished and exited
    runahead.release("chapters/counted")
    assert done.read_text() == "done"
    assert holder.wait(timeout=30) == 0
