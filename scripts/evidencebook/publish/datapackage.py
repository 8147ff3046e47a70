"""Publishing the data package with the site: the descriptor and its CSV files, every CSV cell made
safe to open in a spreadsheet."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..records.datasets import PACKAGE_FILE, DataError, DataPackage
from .text import neutralised_csv


def published_files(package: DataPackage) -> list[Path]:
    """The files the site publishes under data/: the descriptor and every resource file."""
    return [package.data_dir / PACKAGE_FILE] + [package.path(name) for name in package.names]


def publish(package: DataPackage, out_dir: Path, reserved: set[str] = frozenset()) -> list[Path]:
    """Copy the descriptor and resource files into `out_dir`, keeping their relative paths so the
    published package stays valid. `reserved` are names other exports already write there."""
    written = []
    for source in published_files(package):
        relative = source.relative_to(package.data_dir).as_posix()
        if relative in reserved:
            raise DataError(
                f"{source}: {relative} clashes with a file the book exports itself — rename the dataset"
            )
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix.lower() == ".csv":  # opened in spreadsheets: no cell may run as a formula
            target.write_bytes(neutralised_csv(source.read_bytes().decode("utf-8")).encode("utf-8"))
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
