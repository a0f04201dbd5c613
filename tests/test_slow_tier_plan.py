"""The slow tier runs only in CI (`make test-slow`): a fixture renamed there would show
up after forty minutes. Its setup plan costs seconds, so the fast tier checks it."""

from __future__ import annotations

import subprocess
import sys

from orchestration.settings import PROJECT_ROOT


def test_every_slow_test_resolves_its_fixtures():
    plan = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "slow",
            "--setup-plan",
            "-q",
            "-p",
            "no:warnings",
            "-p",
            "no:cacheprovider",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-2000:]
    assert "SETUP" in plan.stdout  # the plan was really made, not an empty selection
