from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing root it is loaded from.

    DuckDB allows one writing process: connections are opened per step and
    closed before the step ends, so the dbt subprocess that runs next can take
    the file.
    """

    database_path: str
    landing_dir: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.database_path, read_only=read_only)
        if not read_only:
            from orchestration.publishing import secure_file

            secure_file(Path(self.database_path))
        try:
            yield con
        finally:
            con.close()

    @property
    def landing_root(self) -> Path:
        return Path(self.landing_dir)
