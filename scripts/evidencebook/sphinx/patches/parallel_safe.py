"""Two extensions Jupyter Book always loads do not declare whether they are parallel safe, so
`sphinx-build -j` warns and falls back to a serial read. Both are no-ops for an HTML build:
multitoc numbering is off (use_multitoc_numbering: false) and jupyterbook-latex acts on the LaTeX
builder only. Declare them safe for that case."""

from __future__ import annotations

from sphinx.application import Sphinx

from .registry import Patch, observed

NAME = "undeclared-extensions-parallel-safe"
UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def declare_parallel_safe(app: Sphinx) -> None:
    if app.builder.format != "html" or app.config.use_multitoc_numbering:
        return
    for name in UNDECLARED_BUT_SAFE:
        extension = app.extensions.get(name)
        if extension is not None:
            extension.parallel_read_safe = extension.parallel_write_safe = True
            observed(NAME)


PATCH = Patch(
    name=NAME,
    written_for={"sphinx-multitoc-numbering": ("0.1.3",), "sphinx-jupyterbook-latex": ("1.0.0",)},
    upstream="https://github.com/executablebooks/sphinx-multitoc-numbering/issues/27 (sphinx-jupyterbook-latex: "
    "no upstream issue filed)",
    pays="without it Sphinx reads serially: the parallel read and its savings are lost",
    effect="extensions declared parallel safe",
    apply=lambda app: app.connect("builder-inited", declare_parallel_safe, priority=400),
)
