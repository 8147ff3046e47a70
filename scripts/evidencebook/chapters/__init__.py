"""What the book's chapters compute and draw from the knowledge base: tables, chart specs and findings."""

# Where the build writes the chapters' generated parts (generated.py); a constant here, so the build
# driver can leave the folder out of its inputs without importing the chapters' code.
GENERATED_DIR = "chapters/_generated"
