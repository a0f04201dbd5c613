from __future__ import annotations

import pytest

from tests.fixed_data_dir import FixedDataDir


@pytest.fixture(scope="session")
def fuzz_data_dir(tmp_path_factory) -> FixedDataDir:
    """One data-dir path for every fuzzed build, parsed once (tests/fixed_data_dir.py)."""
    fixed = FixedDataDir(tmp_path_factory.mktemp("fuzz"))
    fixed.prepare()
    return fixed
