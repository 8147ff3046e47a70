"""The registry of validation rules: each rule a stable name, the scope it checks, one line saying
what it requires, and a function yielding a Problem for every place the rule is broken."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..problems import Problem

# What a rule looks at, in the order `validate --rules` and docs/validation-rules.md list them.
SCOPES = {
    "record-file": "each file in case_studies/, by its name",
    "record": "each record that passes the schema",
    "records": "all records together",
    "published-pages": "the published editions' lists of pages (data/editions/) against all records",
    "vocabulary": "each vocabulary in data/vocabularies/",
    "data-file": "each framework, glossary term, checklist and reading list in data/",
    "frameworks": "all frameworks together",
    "glossary": "all glossary terms together",
    "checklist": "the integration checklist",
    "reading-list": "the reading list",
}


@dataclass(frozen=True)
class Rule:
    name: str  # kebab-case, stable: tests and documentation refer to it
    scope: str  # a key of SCOPES
    description: str  # one line: what the rule requires
    check: Callable[[Any], Iterable[Problem]]
    # The same rule on a record that failed the schema, checking what is well formed in it, so that
    # one run reports every problem in the file; None for rules that need the whole record.
    check_draft: Callable[[Any], Iterable[Problem]] | None = None


REGISTRY: list[Rule] = []


def rule(name: str, scope: str, description: str, draft: Callable[[Any], Iterable[Problem]] | None = None):
    """Register the decorated function as the check of a rule (in the order the modules define them)."""

    def register(check: Callable[[Any], Iterable[Problem]]):
        if scope not in SCOPES:
            raise ValueError(f"rule {name!r}: unknown scope {scope!r}")
        if any(known.name == name for known in REGISTRY):
            raise ValueError(f"rule {name!r} is registered twice")
        REGISTRY.append(Rule(name, scope, description, check, draft))
        return check

    return register


def run(scope: str, subject: Any) -> list[Problem]:
    """Every problem the rules of `scope` find in `subject`, rule by rule, each marked with its rule."""
    return [replace(p, rule=r.name) for r in REGISTRY if r.scope == scope for p in r.check(subject)]


def run_drafts(subject: Any) -> list[Problem]:
    """The record rules that also check a record which failed the schema."""
    return [
        replace(p, rule=r.name) for r in REGISTRY if r.scope == "record" and r.check_draft for p in r.check_draft(subject)
    ]
