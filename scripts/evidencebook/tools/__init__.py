"""The contributor's commands: the CLI, derived files, canonical layout, scaffolding and changed pages."""
