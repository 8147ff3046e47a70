"""The Sphinx side: the extension that generates pages at build time, the build driver and its state on disk,
and the replacements of other projects' internals that make large books fast."""
