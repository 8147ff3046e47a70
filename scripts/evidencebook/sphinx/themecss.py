"""The theme's style sheet without Font Awesome's icon classes (issue 19's weight budget).

pydata-sphinx-theme 0.17 bundles Font Awesome's CSS into its own style sheet: about 95 KB of the
sheet's 397 KB, mostly one rule per icon (".fa-yelp:before{content:...}") for the script the book no
longer loads (templates/layout.html). The book ships a copy of the sheet without those rules, under
the same name: Sphinx copies html_static_path after the theme's files, so the copy replaces the
theme's in _static/ (the documented way to override a theme's static file).

Kept from Font Awesome's part: its font declarations and the variables that name them, so an icon
the theme's style sheet draws with the font (an admonition's, an external link's) still shows; the
browser fetches the font only for such a page. The icons the book shows are inline SVG
(templates/eb-icons.html) or drawn by icons.css.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

SHEET = Path("styles") / "pydata-sphinx-theme.css"  # under the theme's static/, and the site's _static/
LICENCE_MARK = "/*!\n * Font Awesome Free"
KEPT_PREFIXES = (":host,:root{", "@font-face{")  # the font's declarations and the variables naming it
EXPECTED_CUT = (60_000, 140_000)  # bytes; outside this, the theme's sheet changed shape: look again


def _rules(css: str, start: int):
    """(start, end) of each top-level rule or comment from `start` while Font Awesome's part lasts."""
    pos = start
    while pos < len(css):
        while pos < len(css) and css[pos].isspace():
            pos += 1
        if css.startswith("/*", pos):
            end = css.index("*/", pos) + 2
            if not css.startswith(LICENCE_MARK, pos):
                return
            yield pos, end
            pos = end
            continue
        brace = css.find("{", pos)
        selector = css[pos:brace]
        if brace < 0 or not (selector.startswith((".fa", ".sr-only", "@keyframes fa-", "@media")) or css.startswith(KEPT_PREFIXES, pos)):
            return  # the theme's own rules again
        depth, end = 0, brace
        while True:
            end += 1
            depth += {"{": 1, "}": -1}.get(css[end - 1], 0)
            if depth == 0 and css[end - 1] == "}":
                break
        if selector.startswith("@media") and ".fa" not in css[brace:end]:
            return
        yield pos, end
        pos = end


def without_icon_classes(css: str) -> tuple[str, int]:
    """The sheet without Font Awesome's class rules, and how many bytes went."""
    start = css.find(LICENCE_MARK)
    if start < 0:
        raise ValueError("no Font Awesome part found")
    kept, last = [], start
    licence_kept = False
    for begin, end in _rules(css, start):
        rule = css[begin:end]
        keep = rule.startswith(KEPT_PREFIXES) or ".sr-only" in rule.split("{", 1)[0]  # a class other markup uses too
        if keep or (rule.startswith("/*") and not licence_kept):
            licence_kept = licence_kept or rule.startswith("/*")
            kept.append(rule)
        last = end
    body = css[:start] + "".join(kept) + "\n" + css[last:]
    body = body.replace("/*# sourceMappingURL=pydata-sphinx-theme.css.map*/", "")  # the map no longer fits
    return body, len(css) - len(body)


def write_lighter_sheet(app: Sphinx, config) -> None:
    import pydata_sphinx_theme

    source = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / SHEET
    css = source.read_text(encoding="utf-8")
    try:
        lighter, cut = without_icon_classes(css)
    except ValueError as err:
        raise ExtensionError(f"pydata-sphinx-theme's style sheet changed ({err}); see evidencebook/sphinx/themecss.py") from err
    if not EXPECTED_CUT[0] <= cut <= EXPECTED_CUT[1]:
        raise ExtensionError(
            f"taking Font Awesome's classes out of pydata-sphinx-theme's style sheet cut {cut:,} bytes, "
            f"not {EXPECTED_CUT[0]:,}-{EXPECTED_CUT[1]:,}: the sheet changed; see evidencebook/sphinx/themecss.py"
        )
    folder = Path(app.doctreedir).parent / "theme-static"  # beside the doctrees, in _build/
    target = folder / SHEET
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != lighter:
        target.write_text(lighter, encoding="utf-8")
    # A new list (see extension.on_config_inited); last, so it is copied after the theme's own sheet.
    config.html_static_path = [*config.html_static_path, str(folder)]


def setup_theme_css(app: Sphinx) -> None:
    app.connect("config-inited", write_lighter_sheet)
