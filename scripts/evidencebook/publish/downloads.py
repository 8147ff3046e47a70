"""Everything the records give under the site's data/, written and checked in one place for the build
and for `evidencebook export`: the JSON and CSV exports, the SQLite database with its Datasette metadata,
and the Frictionless package that describes them (written last: it describes the files above)."""

from __future__ import annotations

from pathlib import Path

from ..records.datasets import DataPackage
from ..records.kb import KnowledgeBase
from .database import check_database, publish_database
from .export import Cite, check_exports, write_exports
from .exportpackage import check_export_package, publish_export_package


def publish_downloads(
    kb: KnowledgeBase, package: DataPackage | None, out_dir: Path, site: str = "", edition: str = "", cite: Cite | None = None
) -> list[Path]:
    written = write_exports(kb, out_dir, site, cite)
    written += publish_database(kb, package, out_dir)
    written += publish_export_package(kb, package, out_dir, edition, site)
    return written


def check_downloads(kb: KnowledgeBase, out_dir: Path, site: str = "") -> list[str]:
    """Read them back: every way they differ from the records or from their package. Empty when all is well."""
    return check_exports(kb, out_dir, site) + check_database(kb, out_dir) + check_export_package(out_dir)
