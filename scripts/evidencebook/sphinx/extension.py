"""The Sphinx extension that turns the knowledge base into book pages.

- builder-inited: validate every record (refuse to build if any is invalid), generate the case
  pages and the catalogue, the glossary and the reading list (writing only what changed), vendor
  the chart JavaScript.
- {case}`id` role: a link to a case study, with its title; an unknown id is a build warning.
- source-read, env-get-outdated: the chapter notebooks (chapternotebooks.py).
- doctree-resolved: write each chart's data to data/charts/<name>.csv and link it (chartdata.py).
  Mark each link whose text is its address, which print.css then does not write again after it.
- html-page-context: add the chart JavaScript to pages that have charts, and only to those.
- build-finished: write the exports, the database and the exports' own data package
  (data/evidence-book.datapackage.json and its lookup tables), publish the data package (data/datapackage.json and its CSV
  files), What's new's data/changes.json and feed.xml, and check that every record has exactly one page;
  then write the redirect pages of old case-study addresses (publish/redirects.py) and sitemap.xml.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from ..chapters import SUBPAGE_CHAPTERS
from ..chapters.generated import GENERATED_DIR, PARTS, generate_chapter_parts
from ..chapters.generated import MARK as GENERATED_MARK
from ..chapters.reading import READING_LIST_DOC, generate_reference_pages
from ..publish.compare import COMPARE_DOC, generate_comparison_pages
from ..publish.datapackage import publish as publish_datasets
from ..publish.downloads import check_downloads, publish_downloads
from ..publish.furniture import list_page_titles, page_furniture
from ..publish.glossary import GLOSSARY_DOC
from ..publish.html import plural
from ..publish.redirects import redirect_docnames, write_redirects
from ..publish.render import CASES_DIR, case_docname, generate_pages, write_if_changed
from ..publish.sitemap import write_sitemap
from ..publish.text import link_allowed
from ..publish.whatsnew import CHANGES_FILE, FEED_FILE, PART_NAME, changes_json, chapter_part, feed_xml
from ..records.book import read_book
from ..records.datasets import load_package
from ..records.filecache import files_digest
from ..records.history import compute_history
from ..records.inputs import input_digests
from ..records.kb import KnowledgeBase, digest_inputs, knowledge_base_for, record_paths, save_snapshot
from ..records.schema import CATALOGUE_PAGE, COMPARE_PAGE
from .buildstate import prepare_notebook_cache
from .chapternotebooks import setup_chapter_notebooks
from .chartdata import CHART_DATA_DIR, publish_chart_data
from .citing import book_of, record_citation, setup_citing
from .patches import setup_patches
from .settings import CACHE_PREPARED, CONFIG_VALUES, DEFER_CHAPTERS
from .themecss import setup_theme_css

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
FAVICON = "favicon.svg"  # in static/; Sphinx copies it to _static/ and links it from every page
VENDOR_DIR = "_vendor"  # under _static/ in the output; kept out of the book's own _static/ so JB1 does not add it to every page
CHART_MARK = 'class="kb-chart"'
REFERENCE_DOCS = (GLOSSARY_DOC, READING_LIST_DOC)  # generated from the knowledge base before Sphinx reads
CHAPTER_PARTS = tuple(f"{GENERATED_DIR}/{name}" for name in (*PARTS, PART_NAME))  # included by their chapters
MODULE_MARK = re.compile(r'data-kb-module="([a-z0-9-]+)"')
STATIC_DIGEST = "evidencebook_static_digest"  # of sphinx/static/, set at config-inited
# Scripts a page module needs loaded before it (static/js/<name>.js, deferred, so run in this order).
SHARED_SCRIPTS = {"catalogue": ("kb-dom",), "outcomes": ("kb-dom",)}
SEARCH_SCRIPT = "kb-search.js"  # in static/js/: loaded on the search page alone
MENU_SCRIPT = "kb-menu.js"  # in static/js/: the menu button's name and state, on every page
OFFLINE_SUBSTITUTION = "offline_edition"  # {{ offline_edition }} in index.md: a link to the latest offline edition
PDF_SUBSTITUTION = "whole_book_pdf"  # {{ whole_book_pdf }} in index.md: a link to the latest whole-book PDF


def on_config_inited(app: Sphinx, config) -> None:
    # _config.yml names the notebook cache relative to the book; myst-nb would take it relative to the
    # working directory, so a book built from elsewhere (the tests' copies) would share another's cache.
    cache = Path(config.nb_execution_cache_path or "_build/.jupyter_cache")
    config.nb_execution_cache_path = str(cache if cache.is_absolute() else Path(app.srcdir) / cache)
    # A new list, never appended in place: the default list is shared by every Sphinx app in a process,
    # so a second build in the same process (build.py's two passes) would see the path twice, hash a
    # different configuration and rewrite every page.
    config.html_static_path = [*config.html_static_path, str(STATIC / "css")]
    # Every page links the book's CSS and scripts with a checksum of their content (`?v=`), but Sphinx
    # rewrites pages only for changed sources and templates: a change to a static file alone would
    # copy nothing and leave every page on the old checksum. As an "html" value, this digest makes
    # Sphinx rewrite (not re-read) every page when any of them changes, as a clean build would.
    config[STATIC_DIGEST] = files_digest(STATIC, sorted(p for p in STATIC.rglob("*") if p.is_file()))
    # The book's icon ships with this extension (static/), so every copy of the book has it, a test
    # book included; without one, a browser asks for /favicon.ico and gets a 404 on every first visit.
    if not config.html_favicon:
        config.html_favicon = str(STATIC / FAVICON)
    # The home page links the latest offline edition and whole-book PDF where CI publishes them
    # (records/book.py), by the site's full address: neither is part of a build (`make offline` and
    # `make pdf` make them), and from the offline edition the links lead to the newest ones online.
    # A new dict: see html_static_path.
    book = read_book(Path(app.srcdir))
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        OFFLINE_SUBSTITUTION: f"[the offline edition](<{book.offline_url}>)",
        PDF_SUBSTITUTION: f"[the whole book as one PDF](<{book.pdf_url}>)",
    }


def number_nothing(app: Sphinx, config) -> None:
    """The book numbers no figure, table or code block. Jupyter Book's defaults number them, and
    sphinx-jupyterbook-latex turns numbering back on for every builder at config-inited, where a
    `numfig: false` in _config.yml cannot reach; while on, Sphinx walks every page's doctree at each
    build to number figures the pages never show (0.5 s a pass at 1,111 records)."""
    config.numfig = False


def _kb(app: Sphinx) -> KnowledgeBase:
    return app.evidencebook_kb  # type: ignore[attr-defined]


def prepare_shared_state(app: Sphinx) -> None:
    """Create the notebook cache before parallel workers start (they would race to create it); runs
    after myst-nb has settled its configuration. Not in the first pass of a two-pass build, which
    executes no chapter."""
    if app.config[DEFER_CHAPTERS] or app.config[CACHE_PREPARED]:
        return
    config = getattr(app.env, "mystnb_config", None)
    if config is not None and config.execution_mode == "cache" and config.execution_cache_path:
        prepare_notebook_cache(Path(config.execution_cache_path))


def on_builder_inited(app: Sphinx) -> None:
    root = Path(app.srcdir)
    digest = digest_inputs(root)
    kb = knowledge_base_for(root, digest)
    if kb.problems:
        listing = "\n".join(str(p) for p in kb.problems)
        raise ExtensionError(
            f"{plural(len(kb.problems), 'problem')} in the records; nothing is published until they are fixed:\n{listing}"
        )
    app.evidencebook_kb = kb  # type: ignore[attr-defined]
    app.evidencebook_digest = digest  # type: ignore[attr-defined]
    app.evidencebook_input_digests = input_digests(root)  # type: ignore[attr-defined]
    # The first pass of a two-pass build (build.py) shows changed case pages quickly; the chapters and the
    # generated reference pages (which list case studies too) follow in the second pass.
    first_pass = app.config[DEFER_CHAPTERS] and all(
        (root / f"{doc}.md").exists() for doc in (*REFERENCE_DOCS, *CHAPTER_PARTS, COMPARE_DOC)
    )
    # What's new: the changes between editions, from git when the checkout has its history (records/history.py).
    history = compute_history(root, {rid: record.model_dump(mode="json") for rid, record in kb.records.items()})
    app.evidencebook_history = history  # type: ignore[attr-defined]
    if not first_pass:
        save_snapshot(kb, app.evidencebook_digest)  # chapter kernels load this instead of re-validating
        generate_reference_pages(kb)  # chapters/glossary.md and chapters/reading-list.md
        generate_chapter_parts(kb)  # chapters/_generated/: frameworks, checklist, data dictionary
        write_if_changed(root / GENERATED_DIR / f"{PART_NAME}.md", f"{GENERATED_MARK}\n\n{chapter_part(history, set(kb.records))}")
    result = generate_pages(kb, history.last_changed if history.available else None)
    if not first_pass:  # the comparison view's domain pages: 3.5 s at 10,000 records, so in the second pass
        compared = generate_comparison_pages(kb)
        for key in result:
            result[key] += compared[key]
    app.evidencebook_list_titles = list_page_titles(kb)  # type: ignore[attr-defined]
    logger.info(
        f"[evidencebook] {plural(len(kb.records), 'case study', 'case studies')}; pages changed: {len(result['changed'])}, removed: {len(result['removed'])}"
    )
    if app.builder.format == "html":
        vendor_chart_js(Path(app.outdir) / "_static" / VENDOR_DIR)


@functools.cache
def _vega_bundle() -> str:
    import vl_convert as vlc

    # One classic script that defines window.vega, window.vegaLite and window.vegaEmbed; wrapped in a
    # function so its top-level names cannot clash with anything else on the page.
    return "(function(){\n" + vlc.javascript_bundle() + "\n})();\n"


def vendor_chart_js(target: Path) -> None:
    """Copy the book's own scripts (static/js/*.js, static/kbcharts.js) and the Vega bundle to the output."""
    target.mkdir(parents=True, exist_ok=True)
    bundle = target / "vega-bundle.js"
    import vl_convert

    # Generating the bundle takes about a second: only when vl-convert (which pins the Vega versions) changed.
    stamp = f"/* vega, vega-lite and vega-embed from vl-convert {vl_convert.__version__} */\n"
    if not bundle.exists() or bundle.open(encoding="utf-8").readline() != stamp:
        bundle.write_text(stamp + _vega_bundle(), encoding="utf-8")
    shutil.copyfile(STATIC / "kbcharts.js", target / "kbcharts.js")
    for script in sorted((STATIC / "js").glob("*.js")):
        shutil.copyfile(script, target / script.name)


def page_modules(body: str) -> list[str]:
    """Scripts a page asks for with data-kb-module="name" (static/js/name.js), in first-use order,
    each after the shared scripts it needs (SHARED_SCRIPTS)."""
    modules = MODULE_MARK.findall(body)
    return list(dict.fromkeys(name for module in modules for name in (*SHARED_SCRIPTS.get(module, ()), module)))


class CaseRole(SphinxRole):
    """{case}`wigan-deal` -> a link to the case study titled by its record."""

    def run(self):
        case_id = self.text.strip()
        kb = _kb(self.env.app)
        record = kb.records.get(case_id)
        if record is None:
            import difflib

            close = difflib.get_close_matches(case_id, list(kb.records), n=1)
            logger.warning(
                f"unknown case study {case_id!r} in {{case}} role" + (f"; did you mean {close[0]!r}?" if close else ""),
                location=self.get_location(),
                type="evidencebook",
                subtype="case",
            )
            return [nodes.inline(self.rawtext, case_id, classes=["unknown-case"])], []
        node = pending_xref(
            self.rawtext, refdomain="std", reftype="doc", reftarget="/" + case_docname(case_id), refexplicit=True, refwarn=True
        )
        node += nodes.inline(record.title, record.title, classes=["case-ref"])
        return [node], []


class RecordTextAsWritten(SphinxTransform):
    """Case pages, and the generated parts of chapters, show record text exactly as written: smart quotes
    would turn its "quotes", -- and ... into typographic characters, so the page would differ from the
    record and the exports."""

    default_priority = 740  # before Sphinx's SmartQuotes (750)

    def apply(self, **kwargs) -> None:
        if self.env.docname.startswith((CASES_DIR + "/", *(f"chapters/{name}/" for name in SUBPAGE_CHAPTERS))):
            self.document["support_smartquotes"] = False  # generated pages: case pages and chapters' own pages
            return
        # The same for the record and data text a chapter includes from its generated part; the
        # chapter's own hand-written text keeps its typographic quotes.
        for node in self.document.findall(nodes.Element):
            if node.source and f"/{GENERATED_DIR}/" in Path(node.source).as_posix():
                node["support_smartquotes"] = False


def read_case_pages_first(app: Sphinx, env, docnames: list[str]) -> None:
    """First pass of a two-pass build (build.py): read only the case studies' pages (cases/). When a page is
    added (a new record adds one), Sphinx also re-reads every page with a globbed toctree, which executed the
    chapters split into pages (overview, outcomes, frameworks, ...) before the new page could show: 25 s at
    10,111 records. Sphinx lets this event change the list; the second pass reads what is left out here
    (their files are still newer than the environment's record of them, or their pages are still new)."""
    if app.config[DEFER_CHAPTERS]:
        docnames[:] = [doc for doc in docnames if doc.startswith(CASES_DIR + "/")]


def note_cited_bibliography(app: Sphinx, doctree: nodes.document) -> None:
    """A page that cites a work shows its formatted reference (in the citation's tooltip), but
    sphinxcontrib-bibtex only rebuilds its bibliography pages when references.bib changes: make every
    citing page depend on the .bib files too, so an incremental build rewrites them like a clean one."""
    if any(node.get("refdomain") in ("cite", "footcite") for node in doctree.findall(pending_xref)):
        for bibfile in app.config.bibtex_bibfiles:
            app.env.note_dependency(str(Path(app.srcdir) / bibfile))


def unlink_unsafe_addresses(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A link to an address no page may link to (a `\\url{javascript:...}` in a note of references.bib,
    which sphinxcontrib-bibtex turns into a link) is published as its text."""
    for ref in list(doctree.findall(nodes.reference)):
        if "refuri" in ref and not link_allowed(ref["refuri"]):
            ref.replace_self(list(ref.children) or [nodes.Text(ref["refuri"])])


ADDRESS_SHOWN = "kb-address-shown"  # print.css writes a link's address after it unless it has this class


def mark_links_showing_their_address(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A link whose text is its address (a bibliography entry's URL) is marked, so that paper does not
    print the address twice."""
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if uri and ref.astext().strip() in (uri, uri.rstrip("/")):
            ref["classes"].append(ADDRESS_SHOWN)


def _is_thebe(script) -> bool:
    name = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "thebe" in name.lower() or "THEBE" in body


def on_html_page_context(app, pagename, templatename, context, doctree):
    # Jupyter Book always loads sphinx-thebe, whose config script is added twice and throws
    # "Identifier 'THEBE_JS_URL' has already been declared"; the book has no live code, so drop it.
    scripts = context.get("script_files", [])
    scripts[:] = [s for s in scripts if not _is_thebe(s)]  # in place: Sphinx restores the list after the page
    context["default_mode"] = context.get("default_mode") or "auto"  # the theme logs an error when empty
    body = context.get("body") or ""
    above, below = page_furniture(_kb(app), pagename, app.evidencebook_list_titles)  # type: ignore[attr-defined]
    if above or below:  # the breadcrumb and the way back (publish/furniture.py: why not in the source)
        context["body"] = f"{above}{body}{below}"
    # Inside this event add_js_file adds to this page only: pages without charts or tools load nothing extra.
    if CHART_MARK in body:  # the charts are static SVG; kbcharts.js loads the Vega bundle when a reader asks
        app.add_js_file(f"{VENDOR_DIR}/kbcharts.js", defer="defer")
    if pagename == "search":  # numbers found, snippets from the article (static/js/kb-search.js says why)
        app.add_js_file(f"{VENDOR_DIR}/{SEARCH_SCRIPT}", defer="defer")
    for name in page_modules(body):
        if (STATIC / "css" / f"{name}.css").exists():  # a module's own styles, on its pages only
            app.add_css_file(f"{name}.css")
        if (STATIC / "js" / f"{name}.js").exists():
            app.add_js_file(f"{VENDOR_DIR}/{name}.js", defer="defer")
        else:
            logger.warning(f"page asks for script {name!r} but static/js/{name}.js does not exist", location=pagename)


def escape_theme_page_title(app, pagename, templatename, context, doctree):
    """sphinx-book-theme puts the page title, as plain text, unescaped into the print header
    (<h1>{{ pagetitle }}</h1>): a case study titled <script>... would run. Escape it."""
    title = context.get("pagetitle")
    if isinstance(title, str) and not hasattr(title, "__html__"):
        context["pagetitle"] = html.escape(title, quote=True)


def on_build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if app.config[DEFER_CHAPTERS]:
        return  # the first of two passes (build.py): the second, which always follows, publishes and checks all this
    kb = _kb(app)
    outdir = Path(app.outdir)
    missing = [rid for rid in kb.records if not (outdir / f"{case_docname(rid)}.html").exists()]
    if missing:
        raise ExtensionError(f"case studies without a page: {', '.join(missing)}")
    book = book_of(app)[0]
    site = book.site  # the downloads give absolute addresses (sphinx/citing.py)
    package = load_package(Path(app.srcdir))
    exported = publish_downloads(kb, package, outdir / "data", site, book.edition, record_citation(app))
    charts = {p.relative_to(outdir / "data").as_posix() for p in (outdir / CHART_DATA_DIR).glob("*.csv")}
    history = app.evidencebook_history  # type: ignore[attr-defined]
    (outdir / "data" / CHANGES_FILE).write_text(changes_json(history), encoding="utf-8")
    (outdir / FEED_FILE).write_bytes(feed_xml(history, book, set(kb.records)))
    written = {p.relative_to(outdir / "data").as_posix() for p in exported}
    publish_datasets(package, outdir / "data", reserved=written | charts | {CHANGES_FILE})
    redirects = redirect_docnames(kb)
    remove_pages_no_longer_generated(app, outdir, keep=redirects)
    check_nothing_lost(app, kb, outdir, site, redirects)
    # After the check, which counts case pages: a redirect is an old address, not a page of its own.
    write_redirects(kb, outdir, site)
    if site:
        write_sitemap(outdir, site, [app.builder.get_target_uri(doc) for doc in app.env.found_docs])
    else:
        logger.info("[evidencebook] no sitemap.xml: html.baseurl in _config.yml is not set, and a sitemap lists absolute addresses")


def remove_pages_no_longer_generated(app: Sphinx, outdir: Path, keep: set[str]) -> None:
    """Pages generated under cases/ (records, A-Z list, comparison, redirects of old addresses) or as a
    chapter's own pages that no longer exist, left with their sources by an earlier build: Sphinx never
    deletes an output, and a clean build would not have them. `keep`: docnames written outside Sphinx."""
    generated = [outdir / CASES_DIR, *(outdir / "chapters" / name for name in SUBPAGE_CHAPTERS)]
    for page in sorted(p for folder in generated for p in folder.rglob("*.html")):
        docname = page.relative_to(outdir).with_suffix("").as_posix()
        if docname not in app.env.found_docs and docname not in keep:
            page.unlink()
            for source in (outdir / "_sources" / docname).parent.glob(f"{page.stem}.*"):
                source.unlink()
            logger.info(f"[evidencebook] removed {docname}.html: its page is no longer generated")


def check_nothing_lost(app: Sphinx, kb: KnowledgeBase, outdir: Path, site: str, redirects: set[str]) -> None:
    """Every record file became one page, one JSON entry and its CSV rows, with the record's exact values."""
    problems = []
    files = {path.stem for path in record_paths(Path(app.srcdir) / "case_studies")[0]}
    if files != set(kb.records):
        problems.append(f"record files that are not case studies in the book: {', '.join(sorted(files ^ set(kb.records)))}")
    pages = {page.stem for page in (outdir / CASES_DIR).glob("*.html")} - {CATALOGUE_PAGE, COMPARE_PAGE}
    pages -= {Path(docname).name for docname in redirects}  # an earlier build's, rewritten after this check
    if pages != set(kb.records):
        problems.append(f"case pages that do not match the records one to one: {', '.join(sorted(pages ^ set(kb.records)))}")
    problems += check_downloads(kb, outdir / "data", site)
    if problems:
        raise ExtensionError("the published book does not match the records:\n" + "\n".join(problems))


def setup(app: Sphinx):
    for name, default in CONFIG_VALUES:
        app.add_config_value(name, default, "")  # passed by build.py; never a reason to rewrite a page
    app.add_config_value(STATIC_DIGEST, "", "html")
    setup_patches(app)
    app.connect("builder-inited", on_builder_inited)
    app.connect("builder-inited", prepare_shared_state, priority=600)  # after myst-nb's own (500)
    setup_chapter_notebooks(app)
    app.connect("env-before-read-docs", read_case_pages_first)
    app.connect("doctree-read", note_cited_bibliography)
    app.connect("doctree-resolved", unlink_unsafe_addresses, priority=400)  # before the page is written
    app.connect("doctree-resolved", publish_chart_data)
    app.connect("doctree-resolved", mark_links_showing_their_address)
    app.connect("html-page-context", on_html_page_context)
    app.connect("html-page-context", escape_theme_page_title, priority=900)  # after the theme sets it
    app.connect("build-finished", on_build_finished)
    app.add_role("case", CaseRole())
    app.add_transform(RecordTextAsWritten)
    app.connect("config-inited", on_config_inited)
    app.connect("config-inited", number_nothing, priority=900)  # after sphinx-jupyterbook-latex's
    app.add_css_file("evidencebook.css")
    app.add_css_file("evidencebook-icons.css")  # the book's icons: inline SVG, not Font Awesome (issue 19)
    setup_theme_css(app)
    app.add_css_file("print.css", media="print")  # screens never load it
    app.add_js_file(f"{VENDOR_DIR}/{MENU_SCRIPT}", defer="defer")
    setup_accessibility(app)
    setup_citing(app)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}


# --- Accessibility fixes to the theme (issue 9) ----------------------------------------------------
TEMPLATES = Path(__file__).parent / "templates"


def use_accessible_templates(app: Sphinx, config) -> None:
    """Our copies of a few theme components (templates/) come before the theme's own."""
    config.templates_path = [str(TEMPLATES), *config.templates_path]  # a new list: see on_config_inited


def setup_accessibility(app: Sphinx) -> None:
    app.connect("config-inited", use_accessible_templates)
