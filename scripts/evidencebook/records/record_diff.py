"""Two versions of one case-study record compared: the fields that changed and each outcome added,
removed or changed (What's new, history.py).

Outcomes are matched between two versions of a record first by metric and period (equal text), then
by metric alone (its period changed); several outcomes with the same key pair in the order the record
lists them. An outcome left unmatched is reported as added or removed, so renaming a metric shows as
one removed and one added: the record has no outcome ids, and pairing by position would pair
unrelated figures whenever an outcome is inserted.
"""

from __future__ import annotations

from typing import Any

# Fields whose old and new values are shown (short values); other fields are named only.
SHOWN_FIELDS = ("title", "level", "status", "period.start", "period.end", "place.name", "place.region", "place.country", "evidence.type")
# An outcome's parts that make up its figure, and the others, in the order they are reported.
OUTCOME_FIELDS = ("value", "value_max", "qualifier", "scale", "unit", "direction", "kind", "domain", "comparison", "period", "metric", "note", "source")


def _at(data: dict, dotted: str):
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def match_outcomes(old: list[dict], new: list[dict]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(matched (old index, new index) pairs, old indexes removed, new indexes added): by metric and
    period, then by metric alone, each in the order the record lists them."""
    pairs: list[tuple[int, int]] = []
    left_old, left_new = list(range(len(old))), list(range(len(new)))
    for key in (lambda o: (o.get("metric"), o.get("period")), lambda o: o.get("metric")):
        for i in list(left_old):
            j = next((j for j in left_new if key(new[j]) == key(old[i])), None)
            if j is not None:
                pairs.append((i, j))
                left_old.remove(i)
                left_new.remove(j)
    return sorted(pairs), left_old, left_new


def _figure(outcome: dict) -> dict[str, Any]:
    """The parts of an outcome that make up its figure, as stored."""
    return {name: outcome.get(name) for name in ("value", "value_max", "qualifier", "scale", "unit")}


def outcome_changes(old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    """Each outcome added, removed or changed, with its figure old -> new and the parts that changed."""
    pairs, removed, added = match_outcomes(old, new)
    changes: list[dict[str, Any]] = []
    for i, j in pairs:
        fields = [name for name in OUTCOME_FIELDS if old[i].get(name) != new[j].get(name)]
        if fields:
            changes.append(
                {
                    "change": "changed",
                    "metric": new[j].get("metric"),
                    "position": j + 1,
                    "fields": fields,
                    "old": {name: old[i].get(name) for name in fields} | {"figure": _figure(old[i])},
                    "new": {name: new[j].get(name) for name in fields} | {"figure": _figure(new[j])},
                }
            )
    for i in removed:
        changes.append({"change": "removed", "metric": old[i].get("metric"), "position": i + 1, "fields": [], "old": _outcome_shown(old[i]), "new": None})
    for j in added:
        changes.append({"change": "added", "metric": new[j].get("metric"), "position": j + 1, "fields": [], "old": None, "new": _outcome_shown(new[j])})
    order = {"changed": 0, "added": 1, "removed": 2}
    return sorted(changes, key=lambda c: (order[c["change"]], c["position"], str(c["metric"])))


def _outcome_shown(outcome: dict) -> dict[str, Any]:
    return {name: outcome.get(name) for name in ("period", "comparison")} | {"figure": _figure(outcome)}


def record_changes(old: dict, new: dict) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """(the top-level fields that changed, the short fields old -> new, the outcomes' changes)."""
    fields = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    shown = [
        {"field": name, "old": _at(old, name), "new": _at(new, name)} for name in SHOWN_FIELDS if _at(old, name) != _at(new, name)
    ]
    outcomes = outcome_changes(old.get("outcomes") or [], new.get("outcomes") or []) if "outcomes" in fields else []
    return fields, shown, outcomes
