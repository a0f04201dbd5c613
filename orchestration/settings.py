"""Moved: configuration lives in `cx_settings` (paths, engine, thresholds; env >
cx.toml > default). Kept so existing imports of PROJECT_ROOT keep working; it
holds no default and sets nothing."""

from __future__ import annotations

from pathlib import Path

from cx_settings import PROJECT_ROOT, load_settings, value_of

__all__ = ["PROJECT_ROOT", "env_path", "published_path"]


def env_path(name: str) -> Path:
    """A path setting by its environment name (`CX_DUCKDB_PATH`), resolved."""
    return Path(value_of(load_settings(), name))


def published_path() -> Path:
    return load_settings().paths.published_path
