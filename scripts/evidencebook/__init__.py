"""evidencebook: the library behind the place-based health and care evidence book."""
