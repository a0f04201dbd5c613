"""The small world (seed 42, default flags), generated once for the simworld tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from simworld.generate import generate


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "a"
    generate(out, "small", 42)
    return out
