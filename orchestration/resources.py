from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from cx_settings import load_settings

CHECKPOINT_THRESHOLD = "1GB"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing root it is loaded from.

    DuckDB allows one writing process: connections are opened per step and
    closed before the step ends, so the dbt subprocess that runs next can take
    the file.

    Unset fields mean cx_settings (`paths.duckdb_path`, `paths.landing_dir`), read
    when a step runs: a process that points CX_DATA_DIR elsewhere between runs (the
    tests) builds there.
    """

    database_path: str | None = None
    landing_dir: str | None = None

    @property
    def database(self) -> str:
        return self.database_path or str(load_settings().paths.duckdb_path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.database
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(path, read_only=read_only)
        con.execute("set memory_limit = ?", [load_settings().engine.duckdb_memory_limit])
        if not read_only:
            from orchestration.publishing import secure_file

            secure_file(Path(path))
            # A step commits once per landing file; at DuckDB's default (16 MB of
            # WAL) nearly every commit rewrote the tables it appended to, a third of
            # the load time. The step checkpoints once when it closes the file.
            con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        try:
            yield con
        finally:
            con.close()

    @property
    def landing_root(self) -> Path:
        return Path(self.landing_dir or load_settings().paths.landing_dir)
