"""Read generated landing files back as a reader that knows the contract would:
any format, UTF-8 (with or without BOM) or GBK, column names in any case."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from ingest import contract as c


def read_file(path: Path, gbk: bool = False) -> pd.DataFrame:
    """One landing file, every value as text (None where empty), names lower-cased."""
    if path.suffix == ".parquet":
        df = pd.read_parquet(path).astype(object)
    elif path.suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # an injected malformed line (ground_truth/bad_rows.csv)
        df = pd.DataFrame.from_records(records).astype(object)
    else:
        text = path.read_bytes().decode("gbk" if gbk else "utf-8-sig")
        df = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, on_bad_lines="skip"
        ).astype(object)
    df.columns = [str(col).strip().lower() for col in df.columns]
    return df.where(df.notna() & (df != ""), None)


def read_table(root: Path, table: c.Table) -> dict[str, pd.DataFrame]:
    """Every file of one landing table, by its path relative to the landing root."""
    manifest = json.loads((root / "ground_truth/manifest.json").read_text())
    folder = root / "landing" / table.source / table.name
    return {
        p.relative_to(root / "landing").as_posix(): read_file(
            p, gbk=p.relative_to(root / "landing").as_posix() == manifest.get("gbk_file")
        )
        for p in sorted(folder.iterdir())
    }
