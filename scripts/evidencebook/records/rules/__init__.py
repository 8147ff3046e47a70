"""Validation rules: every check of content beyond the schema, each a named rule in one registry.

The loaders report what keeps a file from being read (YAML, the schema, stray files in a folder, a
missing or twice-declared vocabulary); every requirement on content that reads well is a rule here.
The knowledge base runs the rules of each scope from REGISTRY; `evidencebook validate --rules` and
docs/validation-rules.md list them; tests/test_rules.py fails for a rule without a bad input it must
report. To add a rule: write its function in the module of its scope with the @rule decorator, and
its case in tests/test_rules.py.
"""

from __future__ import annotations

from . import data, editions, record, vocabulary  # noqa: F401  (importing a module registers its rules, in this order)
from .registry import REGISTRY, SCOPES, Rule, run, run_drafts

__all__ = ["REGISTRY", "SCOPES", "Rule", "run", "run_drafts", "rules_table"]


DRAFT_NOTE = " Checked also in a record that fails the schema."


def rules_table() -> str:
    """The rules as a Markdown table, by scope (docs/validation-rules.md and `validate --rules`)."""
    rows = ["| Rule | Checks | Requires |", "| --- | --- | --- |"]
    for scope, what in SCOPES.items():
        rows += [f"| `{r.name}` | {what} | {r.description}{DRAFT_NOTE if r.check_draft else ''} |" for r in REGISTRY if r.scope == scope]
    return "\n".join(rows) + "\n"
