"""Validated models out to files readers get: case pages, catalogue, exports, glossary and reading list,
and the escaping every output goes through."""
