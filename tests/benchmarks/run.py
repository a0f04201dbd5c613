"""Benchmark: wall time and peak memory per pipeline stage on generated data.

    python -m tests.benchmarks.run --scale medium [--repeats 3]

Data is generated once per scale and seed under data/bench/ and reused. Each
measured stage runs in its own process against a fresh warehouse file, so
the figures are per stage and repeatable; the report gives the median of the
repeats. Results also go to data/bench/<scale>-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT

STAGES = (
    "ingest",
    "staging",
    "identity",
    "enrichment",
    "marts",
    "integrity",
    "scoring",
    "metricflow",
    # Not stages: one whole build as users run it, then the raw-scan floor it is
    # compared with (every landing file read once, the marts written once).
    "build",
    "floor",
    # A build on top of a built warehouse that received the latest batch of files
    # (tests/benchmarks/day.py). Not in the default run: its base build takes minutes.
    "day",
)
DEFAULT_STAGES = tuple(s for s in STAGES if s != "day")


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB (the process and its children), stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out


def machine() -> str:
    cpus = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {cpus} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--stages",
        default=",".join(DEFAULT_STAGES),
        help="comma-separated stages to run; leaving out the first ones reuses the "
        "warehouse a previous run left (e.g. --stages marts,metricflow)",
    )
    args = parser.parse_args()

    root = PROJECT_ROOT / "data" / "bench" / f"{args.scale}-{args.seed}"
    env = {
        **os.environ,
        "CX_DATA_DIR": str(root),
        "CX_LANDING_DIR": str(root / "landing"),
        "CX_DUCKDB_PATH": str(root / "warehouse.duckdb"),
    }
    results: dict[str, list[dict]] = {}
    if args.regenerate or not (root / "ground_truth" / "manifest.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        wall, rss, _ = run_measured(
            [
                sys.executable,
                "-m",
                "simworld.generate",
                "--scale",
                args.scale,
                "--seed",
                str(args.seed),
                "--out",
                str(root),
            ],
            env,
        )
        results["generate"] = [{"seconds": wall, "peak_mib": rss}]
    landing_bytes = sum(p.stat().st_size for p in (root / "landing").rglob("*") if p.is_file())

    stages = [s for s in STAGES if s in args.stages.split(",")]
    for i in range(args.repeats):
        if stages[0] == STAGES[0]:
            for suffix in ("", ".wal"):
                Path(env["CX_DUCKDB_PATH"] + suffix).unlink(missing_ok=True)
        for stage in stages:
            stage_env = env
            if stage == "day":
                from tests.benchmarks import day

                run, batch = day.prepare(root)
                day.add_batch(root, run, batch)
                stage_env = {**env, **day.env(run)}
            wall, rss, out = run_measured(
                [sys.executable, "-m", "tests.benchmarks.stages", stage], stage_env
            )
            info = json.loads(out.strip().splitlines()[-1])
            results.setdefault(stage, []).append({"seconds": wall, "peak_mib": rss, **info})
            print(
                f"run {i + 1}/{args.repeats} {stage:<8} {wall:7.1f} s  {rss:7.0f} MiB  {info}",
                flush=True,
            )

    print(
        f"\nBenchmark, scale={args.scale} seed={args.seed}, landing {landing_bytes / 2**20:.0f} MiB"
    )
    print(f"machine: {machine()}")
    print(
        f"{'stage':<10} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}  rows"
    )
    summary = {}
    for stage, runs in results.items():
        secs = [r["seconds"] for r in runs]
        peak = statistics.median(r["peak_mib"] for r in runs)
        rows = runs[-1].get("rows_in") or runs[-1].get("rows") or ""
        print(
            f"{stage:<10} {len(runs):>4} {statistics.median(secs):>9.1f} {min(secs):>7.1f} "
            f"{max(secs):>7.1f} {peak:>9.0f}  {rows}"
        )
        summary[stage] = {
            "median_seconds": statistics.median(secs),
            "median_peak_mib": peak,
            "runs": runs,
        }
    ratio = None
    if "build" in summary and "floor" in summary:
        ratio = summary["build"]["median_seconds"] / summary["floor"]["median_seconds"]
        print(
            f"\nwhole build {summary['build']['median_seconds']:.1f} s / raw-scan floor "
            f"{summary['floor']['median_seconds']:.1f} s = {ratio:.1f}x"
        )
    subset = "" if stages == list(DEFAULT_STAGES) else "-" + "-".join(stages)
    out = root.parent / f"{args.scale}-{args.seed}{subset}-results.json"
    out.write_text(
        json.dumps(
            {"machine": machine(), "stages": summary, "build_to_floor_ratio": ratio}, indent=2
        )
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
