"""What the data package's checks (datacheck.py) accept: sizes, profiles, keys, dialect, numbers."""

from __future__ import annotations

import re

from .datasets import DATA_DIR, PACKAGE_FILE

MAX_BYTES = 5_000_000  # the largest real file is under 60 kB: this only stops a runaway file
MAX_SIZE_TEXT = "5 MB"
SUPPORTED_TYPES = ("string", "number", "integer")  # what datasets._convert types a column as
# Folders and files under data/ that the YAML loader reads (kb.py, vocab.py), not the data package.
YAML_DIRS = {"vocabularies", "frameworks", "glossary"}
YAML_FILES = {"integration-checklist.yml", "reading-list.yml"}
# The CSV dialect datasets.DataPackage.raw reads: anything else would be read differently there.
DIALECT = {"delimiter": ",", "header": True, "quoteChar": '"', "doubleQuote": True}
PACKAGE_REL = f"{DATA_DIR}/{PACKAGE_FILE}"
NOT_A_VALUE = {"base"}  # how many answered: may be stated for a value that is missing
# The profiles frictionless knows without reading a file; any other profile or a $schema it fetches or opens.
PACKAGE_PROFILES = ("data-package", "tabular-data-package")
RESOURCE_PROFILES = ("data-resource", "tabular-data-resource")
PROFILE_KEYS = ("profile", "profiles", "$schema")
# Options that change how frictionless reads a cell; the chapters (datasets.py) read plain CSV text.
READING_OPTIONS = ("bareNumber", "decimalChar", "groupChar", "missingValues")
MISSING_VALUES = [""]  # the one missing-value marker the book reads: an empty cell
# What a resource may say; anything else (extrapaths, compression, scheme, data...) frictionless would act on.
RESOURCE_KEYS = {
    *("name", "path", "title", "description", "format", "mediatype", "encoding", "dialect", "schema"),
    *("sources", "licenses", "profile", "homepage", "bytes", "hash"),
}
FIXED_VALUES = {"format": "csv", "mediatype": "text/csv"}
SCHEMA_KEYS = {"fields", "missingValues", "primaryKey", "foreignKeys"}
# A number as the chapters read it: ASCII digits only (Python would also take 1_000, ١٢ and sNaN).
PLAIN_NUMBERS = {
    "number": re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"),
    "integer": re.compile(r"-?[0-9]+"),
}
NUMBER_FIX = (
    "write the number only, with digits 0-9 and a '.' decimal point (no units, spaces, commas or words); "
    "leave the cell empty if there is none"
)
