"""HTML fragments come from Jinja2 templates in publish/templates/, which escape every value by default.

A template receives plain values (text from records is never pre-joined into HTML); only what another
template or `markupsafe.Markup` produced passes through unescaped. `render` returns Markup, so a fragment
can be placed inside another template, or handed to a notebook cell's HTML display, without escaping twice.
"""

from __future__ import annotations

import functools
import json

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 case study', '2 case studies', '1,200 outcomes': the one way the book counts things."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


def script_json(value) -> Markup:
    """`value` as JSON to place inside <script type="application/json">: compact, keys sorted, and every
    `<`, `>` and `&` written as a \\u escape, so no text in it can close the script or open a comment.
    A data attribute would escape each quote as `&#34;` (a third of a chart's spec)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evidencebook.publish", "templates"),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,  # a misspelt variable fails the build instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plural"] = plural
    env.filters["script_json"] = script_json
    return env


def render(template: str, **context) -> Markup:
    """The HTML of `template` (a file in publish/templates/) with `context`, every value escaped."""
    return Markup(environment().get_template(template).render(**context).strip())
