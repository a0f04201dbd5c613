"""Small SQL-building helpers shared by the loader and the integrity checks."""

from __future__ import annotations


def ident(name: str) -> str:
    """Quote an identifier for DuckDB (names come from file headers: never trust them)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal for places DuckDB does not accept parameters (table functions)."""
    return "'" + value.replace("'", "''") + "'"
