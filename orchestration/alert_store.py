"""The closed loop's operational store: what people did about alerts.

Account managers and the CX team acknowledge, log a call and resolve alerts from the
dashboard, with a root cause in the experience model's terms. The dashboard only reads the
published snapshot, so it writes these actions to a small SQLite file of its own
(`$CX_ALERT_STORE`, default `$CX_DATA_DIR/operational/alert_actions.sqlite`), never to the
warehouse or the snapshot. The next build copies the store into the warehouse table
`closed_loop.alert_actions` (the Dagster asset closed_loop/alert_actions, `ingest_actions`),
which fct_alerts reads: a `resolved` action closes the alert, the first action of any kind
stops the first-response clock.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from cx_settings import load_settings

ACTIONS = ("acknowledged", "contacted", "resolved")
ROOT_CAUSES = ("product", "price", "fulfillment", "ease", "recognition", "trust")
TABLE = "alert_actions"
COLUMNS = ("alert_id", "action", "acted_at", "acted_by", "root_cause", "note")
STORE_MARK = "store:"  # notes of rows copied from the store (hand-inserted rows are kept)


def store_path() -> Path:
    return load_settings().paths.alert_store


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(
        f"""create table if not exists {TABLE} (
            alert_id text not null,
            action text not null check (action in ('acknowledged', 'contacted', 'resolved')),
            acted_at text not null,
            acted_by text not null,
            root_cause text check (root_cause is null or root_cause in
                ('product', 'price', 'fulfillment', 'ease', 'recognition', 'trust')),
            note text
        )"""
    )
    return con


def record_action(
    alert_id: str,
    action: str,
    acted_by: str,
    root_cause: str | None = None,
    note: str | None = None,
    acted_at: datetime | None = None,
    path: Path | None = None,
) -> None:
    """Append one action. Resolving needs a root cause."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    if root_cause is not None and root_cause not in ROOT_CAUSES:
        raise ValueError(f"root cause must be one of {ROOT_CAUSES}, got {root_cause!r}")
    if action == "resolved" and root_cause is None:
        raise ValueError("resolving an alert needs its root cause")
    when = (acted_at or datetime.now()).isoformat(timespec="seconds")
    with closing(_connect(path or store_path())) as con, con:
        con.execute(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)",
            [alert_id, action, when, acted_by, root_cause, note],
        )


def record_actions(actions: pd.DataFrame, path: Path | None = None) -> int:
    """Append many actions at once (the demo's simulated handling), under the same rules
    as record_action. Returns the number written."""
    if actions.empty:
        return 0
    bad = ~actions["action"].isin(ACTIONS)
    bad |= actions["root_cause"].notna() & ~actions["root_cause"].isin(ROOT_CAUSES)
    bad |= (actions["action"] == "resolved") & actions["root_cause"].isna()
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} actions break the rules, e.g. {actions[bad].iloc[0].to_dict()}"
        )
    rows = actions.assign(
        acted_at=pd.to_datetime(actions["acted_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    )[list(COLUMNS)]
    rows = rows.astype(object).where(rows.notna(), None)
    with closing(_connect(path or store_path())) as con, con:
        con.executemany(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)", rows.itertuples(index=False)
        )
    return len(rows)


def read_store(path: Path | None = None) -> pd.DataFrame:
    p = path or store_path()
    if not p.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    with closing(_connect(p)) as con:
        frame = pd.read_sql_query(
            f"select {', '.join(COLUMNS)} from {TABLE} order by acted_at, rowid", con
        )
    frame["acted_at"] = pd.to_datetime(frame["acted_at"])
    return frame


def ingest_actions(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Replace the store's rows in closed_loop.alert_actions with the store's content
    (rows inserted by hand, whose note does not carry the store mark, are kept).
    Returns the number of actions copied."""
    con.execute("create schema if not exists closed_loop")
    con.execute(
        "create table if not exists closed_loop.alert_actions (alert_id varchar, "
        "action varchar, acted_at timestamp, acted_by varchar, note varchar)"
    )
    con.execute("alter table closed_loop.alert_actions add column if not exists root_cause varchar")
    con.execute("delete from closed_loop.alert_actions where note like ?", [STORE_MARK + "%"])
    store = read_store(path)
    if store.empty:
        return 0
    frame = store.assign(note=STORE_MARK + store["note"].fillna(""))
    con.register("_alert_store", frame)
    try:
        con.execute(
            "insert into closed_loop.alert_actions "
            "(alert_id, action, acted_at, acted_by, note, root_cause) "
            "select alert_id, action, acted_at, acted_by, note, root_cause from _alert_store"
        )
    finally:
        con.unregister("_alert_store")
    return len(frame)
