"""Clerical review: the queue of uncertain pairs, and the decisions a person takes.

The queue is what the last resolution run left in the review band
(identity.clerical_review, published as marts.fct_identity_review_queue): both
records side by side, each comparison's level and weight, the total weight.

Decisions go to an *operational store* outside the warehouse: a small SQLite
file (`$CX_REVIEW_STORE`, default `$CX_DATA_DIR/operational/clerical_review.sqlite`)
that the dashboard may write while the pipeline owns the warehouse and the
dashboard reads a published snapshot. The next resolution run ingests the
store into identity.clerical_decisions (`ingest_decisions`) and applies it:
a `match` links the pair, a `no_match` keeps it apart, whatever the model says.
The latest decision on a pair wins.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from cx_settings import load_settings

DECISIONS = ("match", "no_match")
STORE_TABLE = "clerical_decisions"


def store_path() -> Path:
    """Where decisions are kept: $CX_REVIEW_STORE, else under $CX_DATA_DIR/operational."""
    return load_settings().paths.review_store


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(
        f"""create table if not exists {STORE_TABLE} (
            entity text not null,
            record_id_l text not null,
            record_id_r text not null,
            decision text not null check (decision in ('match', 'no_match')),
            decided_by text,
            decided_at text not null,
            note text
        )"""
    )
    return con


def ordered_pair(record_l: str, record_r: str) -> tuple[str, str]:
    """One spelling per pair: the smaller id on the left (as the matcher orders them)."""
    return (record_l, record_r) if record_l <= record_r else (record_r, record_l)


def record_decision(
    entity: str,
    record_l: str,
    record_r: str,
    decision: str,
    decided_by: str | None = None,
    note: str | None = None,
    path: Path | None = None,
) -> None:
    """Append one decision to the operational store."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
    left, right = ordered_pair(record_l, record_r)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    with closing(_connect(path or store_path())) as con, con:
        con.execute(
            f"insert into {STORE_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
            [entity, left, right, decision, decided_by, now, note],
        )


def read_store(path: Path | None = None) -> pd.DataFrame:
    """Every decision in the store (oldest first)."""
    p = path or store_path()
    cols = ["entity", "record_id_l", "record_id_r", "decision", "decided_by", "decided_at", "note"]
    if not p.exists():
        return pd.DataFrame(columns=cols)
    with closing(_connect(p)) as con:
        frame = pd.read_sql_query(
            f"select {', '.join(cols)} from {STORE_TABLE} order by decided_at", con
        )
    frame["decided_at"] = pd.to_datetime(frame["decided_at"])
    return frame


def latest_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """The last decision per (entity, pair)."""
    if decisions.empty:
        return decisions
    return decisions.sort_values("decided_at", kind="stable").drop_duplicates(
        ["entity", "record_id_l", "record_id_r"], keep="last"
    )


def ingest_decisions(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Copy the store's decisions into identity.clerical_decisions (the warehouse
    table the matcher applies), replacing what an earlier run copied. Decisions
    inserted into the table by hand (decided_by not from the store) are kept.
    Returns the number of decisions ingested."""
    from identity.resolve import CLERICAL_DECISIONS, ensure_schema

    ensure_schema(con)
    store = read_store(path)
    con.execute(f"delete from {CLERICAL_DECISIONS} where note like 'store:%'")
    if store.empty:
        return 0
    frame = store.assign(note="store:" + store["note"].fillna(""))
    con.register("_store_decisions", frame)
    try:
        con.execute(
            f"""insert into {CLERICAL_DECISIONS}
                (entity, record_id_l, record_id_r, decision, decided_by, decided_at, note)
            select entity, record_id_l, record_id_r, decision, decided_by,
                   decided_at::timestamp, note
            from _store_decisions"""
        )
    finally:
        con.unregister("_store_decisions")
    return len(frame)


def queue(review: pd.DataFrame, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pairs still to review: the review band minus pairs decided since.

    review: rows of identity.clerical_review / marts.fct_identity_review_queue.
    decisions: the operational store (read_store), or None.
    """
    out = review.copy()
    if decisions is not None and not decisions.empty:
        done = latest_decisions(decisions)[["entity", "record_id_l", "record_id_r"]]
        out = out.merge(done.assign(_done=True), how="left", on=list(done.columns))
        out = out[out["_done"].isna()].drop(columns="_done")
    return out.sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)


def side_by_side(row: pd.Series) -> pd.DataFrame:
    """One review row as a table: field | left record | right record."""
    left = json.loads(row.get("values_l") or "{}")
    right = json.loads(row.get("values_r") or "{}")
    fields = list(dict.fromkeys([*left, *right]))
    return pd.DataFrame(
        {
            "field": fields,
            "left": [left.get(f) for f in fields],
            "right": [right.get(f) for f in fields],
        }
    )


def comparisons(row: pd.Series) -> pd.DataFrame:
    """The explanation string of a review row as a table: comparison, level, weight."""
    rows = []
    for part in str(row.get("explanation") or "").split("; "):
        name, _, rest = part.partition(": ")
        level, _, weight = rest.rpartition(" (")
        if name:
            rows.append(
                {
                    "comparison": name,
                    "level": level,
                    "match_weight": pd.to_numeric(weight.rstrip(")"), errors="coerce"),
                }
            )
    return pd.DataFrame(rows, columns=["comparison", "level", "match_weight"])
