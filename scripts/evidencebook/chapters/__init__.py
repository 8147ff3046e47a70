"""What the book's chapters compute and draw from the knowledge base: tables, chart specs and findings."""
