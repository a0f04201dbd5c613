"""Warm render time of each dashboard view: median of 5 script runs after one warm-up.

    CX_PUBLISHED_PATH=data/published/cx_published.duckdb python -m tests.benchmarks.dashboard_render

Runs the real app (streamlit.testing AppTest, signed in as each role's demo user) on the
published snapshot and prints seconds per view and language. It measures the server side
of a render (every query and figure built), not the browser's drawing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from streamlit.testing.v1 import AppTest

from orchestration.settings import PROJECT_ROOT

CASES = (
    ("ceo", "executive"),
    ("head.east", "region_head"),
    ("am.east0", "account_manager"),
    ("cx", "cx_team"),
    ("steward", "data_steward"),
)


def render_seconds(user: str, view: str, lang: str, runs: int = 5) -> list[float]:
    app = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=300)
    app.session_state["viewer"] = user
    app.session_state["view"] = view
    app.query_params["lang"] = lang
    app.run()  # warm-up: imports, first connection
    if app.exception:
        raise RuntimeError(f"{view}: {app.exception[0].value}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'view':18} {'lang':4} {'median s':>9} {'min s':>7} {'max s':>7}")
    for user, view in CASES:
        for lang in ("en", "zh"):
            t = render_seconds(user, view, lang, args.runs)
            print(f"{view:18} {lang:4} {statistics.median(t):9.3f} {min(t):7.3f} {max(t):7.3f}")


if __name__ == "__main__":
    main()
