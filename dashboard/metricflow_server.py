"""A warm MetricFlow: one long-lived engine answering metric queries over HTTP on
loopback, so an analyst's query costs the query (tens of ms), not MetricFlow's
start-up (seconds per `mf query`).

    make mf-serve                      # http://127.0.0.1:8765
    curl '127.0.0.1:8765/query?metrics=nps,nps_answer_count&group_by=metric_time__month'

It reads the published snapshot through the `reader` dbt target (never the
warehouse: a reader must not block the next build) and re-attaches it when a
publish has swapped in a new one. Endpoints:

- `GET /health`: `{"ok": true, "snapshot": <path>, "loaded_at": ...}`
- `GET /metrics`: the metric names and descriptions
- `GET /query?metrics=a,b&group_by=x,y&where=...&order=...&limit=N`: `{"columns":
  [...], "rows": [[...]], "seconds": <engine time>}`; a bad request answers 400
  with MetricFlow's message.

Single-threaded on purpose: MetricFlow's engine is not documented as thread-safe,
and queries are short.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import decimal
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cx_settings import PROJECT_ROOT, load_settings
from cx_settings.dbt import dbt_env

DEFAULT_PORT = 8765


def published_path() -> Path:
    """Read per use: a new snapshot location needs no restart of the server."""
    return load_settings().paths.published_path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


def _snapshot_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    seconds: float


class WarmMetricFlow:
    """One MetricFlow engine on the published snapshot, rebuilt when the snapshot
    file is replaced (a publish swaps in a new file; the old attachment would keep
    reading the old one)."""

    def __init__(self, project_dir: Path = PROJECT_ROOT) -> None:
        self.project_dir = project_dir
        self._lock = threading.Lock()
        self._engine = None
        self._identity: tuple[int, int] | None = None
        self.loaded_at: str | None = None

    def _load(self) -> None:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        from dbt_metricflow.cli.cli_configuration import CLIConfiguration

        # dbt-duckdb keeps one DuckDB environment per process, across adapters: close
        # it, or the new engine would go on reading the replaced file.
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()

        # The reader target attaches the snapshot read-only (profiles.yml); it must
        # attach the file this server watches. MetricFlow loads the profile in this
        # process, from os.environ: set here, when the engine loads, never on import.
        s = load_settings()
        os.environ.update(dbt_env(replace(s, engine=replace(s.engine, dbt_target="reader"))))
        cfg = CLIConfiguration()
        cfg.setup(
            dbt_profiles_path=self.project_dir,
            dbt_project_path=self.project_dir,
            configure_file_logging=False,
        )
        self._engine = cfg.mf
        self._identity = _snapshot_identity(published_path())
        self.loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    def engine(self):
        with self._lock:
            current = _snapshot_identity(published_path())
            if current is None:
                raise FileNotFoundError(f"no published snapshot at {published_path()}")
            if self._engine is None or current != self._identity:
                self._load()
            return self._engine

    def metrics(self) -> list[dict[str, str]]:
        return [
            {"name": m.name, "description": m.description or ""}
            for m in self.engine().list_metrics(include_dimensions=False)
        ]

    def query(
        self,
        metrics: list[str],
        group_by: list[str] | None = None,
        where: list[str] | None = None,
        order: list[str] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        engine = self.engine()
        request = MetricFlowQueryRequest.create(
            metric_names=metrics,
            group_by_names=group_by or None,
            where_constraints=where or None,
            order_by_names=order or None,
            limit=limit,
        )
        started = time.perf_counter()
        result = engine.query(request)
        seconds = time.perf_counter() - started
        table = result.result_df
        columns = list(table.column_names) if table is not None else []
        rows = [[_jsonable(v) for v in row] for row in (table.rows if table is not None else [])]
        return QueryResult(columns, rows, round(seconds, 4))


def make_handler(mf: WarmMetricFlow) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            params = parse_qs(url.query)
            try:
                if url.path == "/health":
                    mf.engine()
                    self._send(
                        200,
                        {"ok": True, "snapshot": str(published_path()), "loaded_at": mf.loaded_at},
                    )
                elif url.path == "/metrics":
                    self._send(200, {"metrics": mf.metrics()})
                elif url.path == "/query":
                    metrics = _split(params.get("metrics"))
                    if not metrics:
                        self._send(400, {"error": "metrics= is required"})
                        return
                    limit = params.get("limit", [None])[0]
                    r = mf.query(
                        metrics,
                        _split(params.get("group_by")),
                        params.get("where"),
                        _split(params.get("order")),
                        int(limit) if limit else None,
                    )
                    self._send(200, {"columns": r.columns, "rows": r.rows, "seconds": r.seconds})
                else:
                    self._send(404, {"error": f"unknown path {url.path}"})
            except FileNotFoundError as e:
                self._send(503, {"error": str(e)})
            except Exception as e:  # noqa: BLE001 - MetricFlow's own message, to the caller
                self._send(400, {"error": f"{type(e).__name__}: {e}"})

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            if os.environ.get("CX_MF_SERVE_LOG"):
                super().log_message(format, *args)

    return Handler


def serve(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> HTTPServer:
    """A server bound to loopback (never a public interface: no sign-in here)."""
    mf = WarmMetricFlow()
    server = HTTPServer((host, port), make_handler(mf))
    server.mf = mf  # type: ignore[attr-defined]
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    server = serve(args.port)
    # Stop on SIGTERM as on Ctrl-C (a supervisor's stop, `kill`): something in dbt's
    # start-up leaves SIGTERM ignored otherwise.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.perf_counter()
    server.mf.engine()  # type: ignore[attr-defined]
    print(
        f"MetricFlow warm in {time.perf_counter() - started:.1f} s on {published_path()}; "
        f"serving http://127.0.0.1:{args.port}/query?metrics=...",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
