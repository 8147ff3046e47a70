"""What the data chapters need, checked by `make validate` before a chapter runs.

The schema checks every cell, but a chapter also needs some rows to exist (the survey's reach, the
rows each chart draws). Rather than restate those needs here, validation computes what the survey and
data-dictionary chapters (and the introduction's population bands) compute, with the same functions, and turns a failure into a Problem naming
the file. So a data file that passes `make validate` never fails a chapter. It runs only from the
command line (`evidencebook validate`): drawing the charts takes a few seconds, too long for the
build's own validation, which must stay fast when one record is edited.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..records.datasets import DATA_DIR, PACKAGE_FILE, DataError
from ..records.validate import Problem

_LOCATED = re.compile(r"^(?P<file>[^:\s][^:]*?)(?::(?P<line>\d+))?: (?P<rest>.*)$", re.S)
FIX = "restore what the chapter draws (see the message), or change the chapter that draws it"


def chapter_data_problems(kb) -> list[Problem]:
    """The problems the survey, data-dictionary and introduction chapters would meet drawing the data."""
    from ..publish.datadictionary import dictionary_part
    from ..records.datasets import load_package
    from . import datafigures as figures
    from . import documentfigures
    from .findings import population_bands_table

    root = Path(kb.root).resolve()
    try:
        package = load_package(root)
        figures.survey_reach(package)
        figures.chapter_figures(package)
        for table in (
            figures.words_only_findings,
            figures.missing_survey_figures,
            documentfigures.life_expectancy_others,
            documentfigures.population_not_given,
        ):
            table(package)
        dictionary_part(package)
        population_bands_table(kb)
    except (DataError, KeyError, ValueError, TypeError, IndexError) as err:
        return [located_problem(root, str(err.args[0] if isinstance(err, KeyError) and err.args else err))]
    return []


def located_problem(root: Path, message: str) -> Problem:
    """A chapter's error as a Problem: its file (made relative to the book) and line when it names them."""
    found = _LOCATED.match(message)
    file, line = f"{DATA_DIR}/{PACKAGE_FILE}", 1
    if found and (root / found["file"]).resolve().is_relative_to(root / DATA_DIR):
        file = (root / found["file"]).resolve().relative_to(root).as_posix()
        line = int(found["line"] or 1)
        message = found["rest"]
    what, _, fix = message.partition(" — ")
    return Problem(file, line, "(data)", f"a chapter cannot draw this file's data: {what.strip()}", fix.strip() or FIX)
