"""What the book's chapters compute and draw from the knowledge base: tables, chart specs and findings."""

# Where the build writes the chapters' generated parts (generated.py); a constant here, so the build
# driver can leave the folder out of its inputs without importing the chapters' code.
GENERATED_DIR = "chapters/_generated"
# Chapters split into pages of their own, generated into chapters/<name>/ (subpages.py); listed here for
# the same reason.
SUBPAGE_CHAPTERS = ("overview", "outcomes", "frameworks", "data-dictionary", "exports")
