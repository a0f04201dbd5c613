"""Demo data generator: landing files that follow docs/landing-contract.md,
and the ground truth the pipeline never reads.

    python -m simworld.generate --scale small|medium|large --seed 42 --out data
        [--shards N] [--manipulation normal|subtle|none] [--empty-rate 0.03]
        [--drop-column-rate 0.1] [--empty-column TABLE.COLUMN=RATE ...]

Writes <out>/landing/<source>/<table>/<file> and <out>/ground_truth/. The same
scale, seed and flags give byte-identical files. The simulation lives in
simworld/demo/ (world, operations, voice); this module turns it into files: the
export layout of each source system, the awkward files real sources send
(a GBK export, a re-sent file, upper-case and re-ordered headers, an extra
column, a parquet file) and bad rows that each break exactly one contract rule.
Every file is written in a form drawn by simworld/forms.py: optional values
left empty (--empty-rate), optional columns left out (--drop-column-rate),
timestamps, booleans, column names and order, csv/jsonl/parquet in every form
the contract allows. The flags change how the world is written, not the world;
ground_truth/manifest.json records what was emptied and which forms were used.

Small and medium worlds are simulated whole, in memory. The large one (10M
orders) is simulated in shards of customers, each with its own random stream
and its own files (`..._part007.csv`), with the ground truth appended shard by
shard, so memory stays bounded (`--shards N` picks the number, at any scale).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gc
import io
import json
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cx_settings import load_settings
from ingest import contract as c
from orchestration.alert_store import record_actions
from simworld.demo import handling, voice
from simworld.demo import operations as ops
from simworld.demo import vocab as v
from simworld.demo import world as w
from simworld.forms import FileForm, FormOptions, Forms, is_empty

PERIOD_MONTHS = 3
N_PERIODS = w.N_MONTHS // PERIOD_MONTHS
PERIOD_LABELS = [
    np.datetime_as_string(w.MONTH_STARTS[p * PERIOD_MONTHS], unit="M") for p in range(N_PERIODS)
]
PERIOD_ENDS = [
    (
        w.MONTH_STARTS[(p + 1) * PERIOD_MONTHS]
        if (p + 1) * PERIOD_MONTHS < w.N_MONTHS
        else w.END + ops.DAY
    ).astype("datetime64[s]")
    - np.timedelta64(1, "s")
    for p in range(N_PERIODS)
]
OMS = tuple(f"oms_{r.lower()}" for r in w.REGIONS)
# Optional columns whose landing (filled or not, latest version) the truth
# records: the warehouse cannot know what did not land.
LANDED_TRACKED: dict[str, tuple[str, ...]] = {
    "fulfillment__orders": ("business_unit",),
    "fulfillment__promise_changes": ("changed_by",),
    "fulfillment__deliveries": ("recorded_by",),
    "survey__invitations": ("order_id",),
    "survey__responses": ("order_id",),
}


# --------------------------------------------------------------------------- formatting


def period_of(ts: np.ndarray) -> np.ndarray:
    m = ops.month_of(np.asarray(ts).astype("datetime64[D]"))
    return np.where((m >= 0) & (m < w.N_MONTHS), m // PERIOD_MONTHS, -1)


def fmt_date(a: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(np.asarray(a).astype("datetime64[D]"), unit="D").astype(object)
    s[s == "NaT"] = None
    return s


def local_ts(a: np.ndarray) -> np.ndarray:
    """Local (Asia/Shanghai) wall times; each file writes them in its own form
    (simworld/forms.py)."""
    return np.asarray(a).astype("datetime64[s]")


def fmt_num(a: np.ndarray, decimals: int = 0) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    s = np.char.mod(f"%.{decimals}f", a).astype(object)
    s[np.isnan(a)] = None
    return s


# --------------------------------------------------------------------------- writing


@dataclass
class BadRow:
    column: str | None
    reason: str
    value: str | None  # None with malformed_* reasons


# Bad rows each break exactly one rule of the contract (ingest/contract.py).
BAD_TEMPLATES: dict[str, list[BadRow]] = {
    "crm__accounts": [
        BadRow("account_name", c.REASON_MISSING_VALUE, ""),
        BadRow("created_at", c.REASON_BAD_TYPE, "2025/03/04 09:12"),
    ],
    "crm__contacts": [
        BadRow("updated_at", c.REASON_BAD_TYPE, "03/15/2025 10:00"),
        BadRow("full_name", c.REASON_MISSING_VALUE, ""),
        BadRow(None, c.REASON_MALFORMED_CSV, None),
    ],
    "crm__contracts": [
        BadRow("contract_value", c.REASON_BAD_TYPE, "1,200,000"),
        BadRow("contract_value", c.REASON_OUT_OF_RANGE, "-5000"),
        BadRow("status", c.REASON_NOT_ACCEPTED, "terminated"),
    ],
    "fulfillment__orders": [
        BadRow("status", c.REASON_NOT_ACCEPTED, "shipped"),
        BadRow("amount", c.REASON_OUT_OF_RANGE, "-120.50"),
        BadRow("quantity", c.REASON_BAD_TYPE, "twelve"),
        BadRow("promised_date", c.REASON_MISSING_VALUE, ""),
        BadRow("order_date", c.REASON_BAD_TYPE, "2025-02-30"),
        BadRow(None, c.REASON_MALFORMED_CSV, None),
    ],
    "fulfillment__deliveries": [
        BadRow("entry_channel", c.REASON_NOT_ACCEPTED, "fax"),
        BadRow("quantity_delivered", c.REASON_OUT_OF_RANGE, "-1"),
        BadRow("delivered_at", c.REASON_BAD_TYPE, "tomorrow"),
    ],
    "fulfillment__confirmations": [
        BadRow("received_in_full", c.REASON_BAD_TYPE, "maybe"),
        BadRow("received_date", c.REASON_MISSING_VALUE, ""),
    ],
    "fulfillment__promise_changes": [BadRow("new_promised_date", c.REASON_BAD_TYPE, "2025-13-01")],
    "fulfillment__regional_reports": [
        BadRow("on_time_rate", c.REASON_OUT_OF_RANGE, "1.35"),
        BadRow("orders_due", c.REASON_BAD_TYPE, "12.5"),
    ],
    "survey__invitations": [
        BadRow("sent_at", c.REASON_BAD_TYPE, "last monday"),
        BadRow("survey_type", c.REASON_NOT_ACCEPTED, "nps_web"),
    ],
    "survey__responses": [
        BadRow("nps", c.REASON_OUT_OF_RANGE, "11"),
        BadRow("csat", c.REASON_OUT_OF_RANGE, "0"),
        BadRow("nps", c.REASON_BAD_TYPE, "N/A"),
        BadRow("submitted_at", c.REASON_MISSING_VALUE, ""),
        BadRow(None, c.REASON_MALFORMED_CSV, None),
    ],
    "public_opinion__posts": [
        BadRow(None, c.REASON_MALFORMED_JSON, None),
        BadRow("likes", c.REASON_BAD_TYPE, "many"),
        BadRow("text", c.REASON_MISSING_VALUE, ""),
        BadRow("published_at", c.REASON_BAD_TYPE, "3 days ago"),
    ],
}


@dataclass
class Landing:
    """Writes landing files: each in the form `forms` draws for it, with the
    bad rows of its table's budget, and notes what landed for the truth."""

    root: Path
    rng: np.random.Generator
    bad_budget: dict[str, int]
    forms: Forms
    rows_per_file: dict[str, int] = field(default_factory=dict)
    bad_rows: list[dict] = field(default_factory=list)
    protected: set[str] = field(default_factory=set)
    landed: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def path(self, table: str, name: str) -> Path:
        source, tbl = table.split("__")
        p = self.root / "landing" / source / tbl / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def rel(self, p: Path) -> str:
        return p.relative_to(self.root / "landing").as_posix()

    def write(
        self,
        table: str,
        name: str,
        df: pd.DataFrame,
        *,
        fmt: str | None = None,
        encoding: str | None = None,
        header_case: str | None = None,
        order: str | None = None,
        bad: bool = True,
    ) -> Path:
        """Write one file. `name` has no suffix; pinned arguments make a special
        file keep that part of its form (format, encoding, header case, column
        order `reversed`); everything else is drawn per file. `bad`: the file
        takes its share of the table's bad rows."""
        t = c.TABLES_BY_NAME[table]
        df = self.forms.empty_optional(t, df.reset_index(drop=True))
        form = self.forms.draw(
            t,
            name,
            list(df.columns),
            fmt=fmt,
            header_case=header_case,
            keep_order=order is not None,
            keep=[b.column for b in BAD_TEMPLATES.get(table, []) if b.column],
        )
        if encoding is not None:
            form = replace(form, encoding=encoding)
        self._note_landed(table, df, form)
        df = self.forms.render(t, df, form, name)
        if order == "reversed":
            df = df[df.columns[::-1]]
        p = self.path(table, f"{name}.{form.format}")
        header = self.forms.header(list(df.columns), form, name)
        if form.format == "csv":
            self._write_csv(table, p, df, header, form, bad)
        elif form.format == "jsonl":
            self._write_jsonl(table, p, df, header, form, bad)
        else:
            self._write_parquet(table, p, df, header, bad)
        self.forms.log.files[self.rel(p)] = form.describe(t)
        return p

    def _note_landed(self, table: str, df: pd.DataFrame, form: FileForm) -> None:
        """For the truth: which tracked values reached the landing zone."""
        t = c.TABLES_BY_NAME[table]
        for col in LANDED_TRACKED.get(table, ()):
            notes = self.landed.setdefault(f"{table}.{col}", [])
            extra = [x for x in ("order_id",) if x in df.columns and x not in t.key]
            rec = df[[*t.key, *extra]].copy()
            rec["_version"] = df[t.version_by] if t.version_by else pd.NaT
            rec["_written"] = sum(map(len, notes)) + np.arange(len(df))
            present = col in df.columns and col not in form.dropped
            rec["landed"] = ~is_empty(df[col]) if present else False
            notes.append(rec)

    def landed_values(self, table: str, column: str) -> pd.DataFrame:
        """Per record (latest version, as staging keeps it): did `column` land filled?"""
        t = c.TABLES_BY_NAME[table]
        recs = pd.concat(self.landed[f"{table}.{column}"], ignore_index=True)
        recs = recs.sort_values(["_version", "_written"], kind="stable", na_position="first")
        return recs.drop_duplicates(list(t.key), keep="last").drop(columns=["_version", "_written"])

    def _bad_for(self, table: str, name: str, n_rows: int) -> list[BadRow]:
        left = self.bad_budget.get(table, 0)
        if left <= 0 or name in self.protected or n_rows == 0:
            return []
        k = min(left, int(self.rng.integers(1, 3)))
        self.bad_budget[table] = left - k
        templates = BAD_TEMPLATES[table]
        start = int(self.rng.integers(0, len(templates)))
        return [templates[(start + i + self.bad_budget[table]) % len(templates)] for i in range(k)]

    def _positions(self, n_good: int, n_bad: int) -> list[int]:
        return sorted(int(x) + 1 for x in self.rng.choice(n_good + n_bad, n_bad, replace=False))

    def _draw_bads(self, table: str, name: str, n_rows: int) -> list[tuple[int, int, BadRow]]:
        """A file's bad rows: (row number in the file, row copied, template).
        Drawn the same way whatever format the file is written in, so the
        simulation's random stream never depends on the forms."""
        bads = self._bad_for(table, name, n_rows)
        if not bads:
            return []
        pos = self._positions(n_rows, len(bads))
        if c.TABLES_BY_NAME[table].file_format == "csv":
            src = [int(x) for x in self.rng.integers(0, n_rows, len(bads))]
        else:
            src = [int(self.rng.integers(0, n_rows)) for _ in bads]
        return list(zip(pos, src, bads, strict=True))

    def _note(self, p: Path, row: int, column: str | None, reason: str) -> None:
        self.bad_rows.append(
            {"file": self.rel(p), "row_number": row, "column": column or "", "reason": reason}
        )

    def _write_csv(
        self, table: str, p: Path, df: pd.DataFrame, header: list[str], form: FileForm, bad: bool
    ) -> None:
        bads = self._draw_bads(table, p.stem, len(df)) if bad else []
        body = df.to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]
        if bads:
            bad_at = {at: (src, b) for at, src, b in bads}
            lines = iter(body)
            body = [
                self._bad_csv_line(df, *bad_at[k]) if k in bad_at else next(lines)
                for k in range(1, len(body) + len(bads) + 1)
            ]
            for at, _, b in bads:
                self._note(p, at, b.column, b.reason)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(header)
        text = buf.getvalue() + "".join(line + "\n" for line in body)
        if form.newline != "\n":
            text = text.replace("\n", form.newline)
        p.write_bytes(text.encode(form.encoding))
        self.rows_per_file[self.rel(p)] = len(body)

    def _bad_csv_line(self, df: pd.DataFrame, i: int, bad: BadRow) -> str:
        row = ["" if pd.isna(x) else str(x) for x in df.iloc[i].tolist()]
        if bad.reason == c.REASON_MALFORMED_CSV:
            row += ["unexpected", "fields"]
        else:
            row[list(df.columns).index(bad.column)] = bad.value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        return buf.getvalue()

    def _write_jsonl(
        self, table: str, p: Path, df: pd.DataFrame, header: list[str], form: FileForm, bad: bool
    ) -> None:
        """JSON lines; a malformed bad row is a line that is not a JSON object."""
        out = df.set_axis(header, axis=1)
        if form.json_empty == "":
            out = out.astype(object).where(out.notna(), "")
        text = out.to_json(orient="records", lines=True, force_ascii=False) if len(out) else ""
        records = [line for line in text.split("\n") if line]
        names = dict(zip(df.columns, header, strict=True))
        good = list(records)
        for k, (at, src, b) in enumerate(self._draw_bads(table, p.stem, len(df)) if bad else []):
            rec = json.loads(good[src])
            if b.column is None:
                line, column, reason = json.dumps(rec, ensure_ascii=False)[: 40 + k], None, None
            else:
                rec[names[b.column]] = b.value
                line, column, reason = json.dumps(rec, ensure_ascii=False), b.column, b.reason
            records.insert(at - 1, line)
            self._note(p, at, column, reason or c.REASON_MALFORMED_JSON)
        p.write_text("".join(r + "\n" for r in records), encoding="utf-8")
        self.rows_per_file[self.rel(p)] = len(records)

    def _write_parquet(
        self, table: str, p: Path, df: pd.DataFrame, header: list[str], bad: bool
    ) -> None:
        """Parquet, every value as text; a parquet file cannot hold a malformed
        record, so that bad row becomes one without its first required value."""
        rows = list(df.astype(object).to_numpy())
        good = list(rows)
        first = next(x.name for x in c.TABLES_BY_NAME[table].columns if x.required and x.name in df)
        for at, src, b in self._draw_bads(table, p.stem, len(df)) if bad else []:
            row = good[src].copy()
            column = b.column or first
            row[list(df.columns).index(column)] = b.value
            rows.insert(at - 1, row)
            self._note(p, at, column, b.reason if b.column else c.REASON_MISSING_VALUE)
        out = pd.DataFrame(rows, columns=header, dtype=object).astype("string")
        pq.write_table(pa.Table.from_pandas(out, preserve_index=False), p)
        self.rows_per_file[self.rel(p)] = len(out)


# --------------------------------------------------------------------------- tables


def accounts_frame(acc: pd.DataFrame, updated: np.ndarray | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_system": acc.source_system,
            "account_id": acc.account_id,
            "account_name": acc.account_name,
            "credit_code": acc.credit_code,
            "parent_account_id": acc.parent_account_id,
            "industry": acc.industry,
            "region": acc.region,
            "segment": acc.segment,
            "business_unit": acc.business_unit,
            "account_manager_id": acc.account_manager_id,
            "city": acc.city,
            "phone": acc.phone,
            "website": acc.website,
            "created_at": local_ts(acc.created_at.to_numpy()),
            "updated_at": local_ts(acc.updated_at.to_numpy() if updated is None else updated),
        }
    )


def write_crm(
    land: Landing, rng: np.random.Generator, acc: pd.DataFrame, con: pd.DataFrame, ct: pd.DataFrame
) -> dict[str, str]:
    special: dict[str, str] = {}
    for crm in w.CRMS:
        special |= write_accounts(land, rng, crm, acc[acc.source_system == crm])
        special |= write_contacts(land, crm, con[con.source_system == crm])
        write_contracts(land, crm, ct[ct.source_system == crm])
    return special


def write_accounts(
    land: Landing, rng: np.random.Generator, crm: str, a: pd.DataFrame
) -> dict[str, str]:
    special = {}
    frame = accounts_frame(a)
    name = f"{crm}_accounts_2026-10-31"
    if crm == "bu_welfare":
        p = land.write("crm__accounts", name, frame, fmt="csv", encoding="gbk")
        special["gbk_file"] = land.rel(p)
    elif crm == "crm_south":
        frame["wechat_official_account"] = np.where(
            rng.random(len(frame)) < 0.3, "gh_" + frame.account_id.str.lower(), None
        )
        p = land.write("crm__accounts", name, frame, fmt="csv")
        special["extra_column_file"] = land.rel(p)
    else:
        land.write("crm__accounts", name, frame)
    # A later delta export: some accounts changed segment or manager.
    changed = a[rng.random(len(a)) < 0.05].copy()
    if len(changed):
        changed["segment"] = np.where(rng.random(len(changed)) < 0.5, changed.segment, "key")
        later = np.datetime64("2026-10-31T12:00:00") + rng.integers(
            0, 3600 * 6, len(changed)
        ) * np.timedelta64(1, "s")
        land.write(
            "crm__accounts", f"{crm}_accounts_delta_2026-11-01", accounts_frame(changed, later)
        )
    return special


def write_contacts(land: Landing, crm: str, cc: pd.DataFrame) -> dict[str, str]:
    frame = pd.DataFrame(
        {
            "source_system": cc.source_system,
            "contact_id": cc.contact_id,
            "account_id": cc.account_id,
            "full_name": cc.full_name,
            "title": cc.title,
            "department": cc.department,
            "buying_role": cc.crm_role,
            "email": cc.crm_email,
            "phone": cc.crm_phone,
            "is_active": cc.is_active,
            "updated_at": local_ts(cc.updated_at.to_numpy()),
        }
    )
    name = f"{crm}_contacts_2026-10-31"
    if crm != "crm_north":
        land.write("crm__contacts", name, frame)
        return {}
    p = land.write("crm__contacts", name, frame, fmt="csv", header_case="upper")
    return {"upper_case_header_file": land.rel(p)}


def write_contracts(land: Landing, crm: str, k: pd.DataFrame) -> None:
    frame = pd.DataFrame(
        {
            "source_system": k.source_system,
            "contract_id": k.contract_id,
            "account_id": k.account_id,
            "start_date": fmt_date(k.start.to_numpy()),
            "end_date": fmt_date(k.end.to_numpy()),
            "contract_value": fmt_num(k.value.to_numpy(), 2),
            "status": k.status,
            "renewed_by_contract_id": k.renewed_by_contract_id,
        }
    )
    land.write("crm__contracts", f"{crm}_contracts_2026-10-31", frame)


def order_exports(o: pd.DataFrame) -> pd.DataFrame:
    """One row per (order, export): the snapshot in the period it was created,
    and a re-export in the period its final status was reached."""
    created = o.order_date.to_numpy().astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
    event = np.where(
        o.cancelled_final,
        o.cancel_time.to_numpy(),
        np.where(o.delivered, o.recorded_at.to_numpy(), np.datetime64("NaT")),
    ).astype("datetime64[s]")
    status_final = np.where(
        o.cancelled_final, "cancelled", np.where(o.delivered, "delivered", "open")
    )
    change = o.change_time.to_numpy().astype("datetime64[s]")
    p0 = period_of(o.order_date.to_numpy())
    pe = np.where(np.isnat(event), -1, period_of(event))
    rows = []
    for which in (0, 1):
        if which == 0:
            keep = p0 >= 0
            per = p0
        else:
            keep = (pe > p0) & (pe >= 0)
            per = pe
        idx = np.flatnonzero(keep)
        pend = np.array(PERIOD_ENDS)[per[idx]]
        ev = event[idx]
        done = ~np.isnat(ev) & (ev <= pend)
        ch = change[idx]
        changed = ~np.isnat(ch) & (ch <= pend)
        upd = np.maximum(created[idx], np.where(done, ev, created[idx]))
        upd = np.maximum(upd, np.where(changed, ch, created[idx]))
        rows.append(
            pd.DataFrame(
                {
                    "row": idx,
                    "period": per[idx],
                    "status": np.where(done, status_final[idx], "open"),
                    "promised": np.where(
                        changed, o.promise.to_numpy()[idx], o.first_promise.to_numpy()[idx]
                    ),
                    "updated_at": upd,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def write_fulfillment(
    land: Landing,
    rng: np.random.Generator,
    o: pd.DataFrame,
    acc: pd.DataFrame,
    persons: pd.DataFrame,
    reports: pd.DataFrame | None,
    part: str = "",
    awkward: bool = True,
) -> dict[str, str]:
    """The order systems' exports. A shard of the world writes its own files (names
    end in `part`, empty chunks left out), without the reports (written once all
    shards are counted); `awkward`: this call writes the one-off awkward files."""
    special: dict[str, str] = {}
    o["category"] = product_categories(rng, o)
    exp = order_exports(o)
    for k, oms in enumerate(OMS):
        e = exp[o.region.to_numpy()[exp.row] == k]
        special |= write_orders(land, oms, e, o, acc, part, awkward)
        write_promise_changes(land, rng, oms, o[o.region == k], acc, part)
        special |= write_deliveries(land, rng, oms, o[o.region == k], part, awkward)
    write_confirmations(land, rng, o, persons, part)
    if reports is not None:
        write_regional_reports(land, rng, reports)
    return special


def product_categories(rng: np.random.Generator, o: pd.DataFrame) -> np.ndarray:
    cat = np.empty(len(o), dtype=object)
    for b, name in enumerate(w.BUS):
        m = o.bu.to_numpy() == b
        opts = np.array(v.BU_CATEGORIES[name], dtype=object)
        cat[m] = opts[rng.integers(0, len(opts), m.sum())]
    return cat


def write_orders(
    land: Landing,
    oms: str,
    exp: pd.DataFrame,
    o: pd.DataFrame,
    acc: pd.DataFrame,
    part: str = "",
    awkward: bool = True,
) -> dict[str, str]:
    """One export per period; oms_north's third is sent twice, byte for byte."""
    special: dict[str, str] = {}
    for per in range(N_PERIODS):
        e = exp[exp.period == per]
        if part and e.empty:
            continue  # two empty shard files would have the same bytes: a re-send
        r = o.iloc[e.row.to_numpy()]
        frame = pd.DataFrame(
            {
                "source_system": oms,
                "order_id": r.order_id.to_numpy(),
                "account_source_system": acc.source_system.to_numpy()[r.a_idx],
                "account_id": acc.account_id.to_numpy()[r.a_idx],
                "order_date": fmt_date(r.order_date.to_numpy()),
                "requested_date": fmt_date(r.requested_date.to_numpy()),
                "promised_date": fmt_date(e.promised.to_numpy()),
                "region": np.array(w.REGIONS, dtype=object)[r.region],
                "business_unit": np.array(w.BUS, dtype=object)[r.bu],
                "product_category": r.category.to_numpy(),
                "quantity": fmt_num(r.quantity.to_numpy()),
                "amount": fmt_num(r.amount.to_numpy(), 2),
                "status": e.status.to_numpy(),
                "sales_rep_id": acc.account_manager_id.to_numpy()[r.a_idx],
                "replaces_order_id": r.replaces_order_id.to_numpy(),
                "updated_at": local_ts(e.updated_at.to_numpy()),
            }
        )
        name = f"{oms}_orders_{PERIOD_LABELS[per]}{part}"
        if not awkward or oms != "oms_north" or per != 2:
            land.write("fulfillment__orders", name, frame)
            continue
        land.protected.add(name)
        p = land.write("fulfillment__orders", name, frame)
        resent = p.with_name(f"{name}_resent{p.suffix}")
        shutil.copyfile(p, resent)
        land.rows_per_file[land.rel(resent)] = land.rows_per_file[land.rel(p)]
        land.forms.log.files[land.rel(resent)] = land.forms.log.files[land.rel(p)]
        special["duplicate_file"] = land.rel(resent)
        special["duplicate_of"] = land.rel(p)
    return special


def write_promise_changes(
    land: Landing,
    rng: np.random.Generator,
    oms: str,
    o: pd.DataFrame,
    acc: pd.DataFrame,
    part: str = "",
) -> None:
    pc = o[~np.isnat(o.change_time.to_numpy().astype("datetime64[s]"))]
    pc_per = period_of(pc.change_time.to_numpy())
    moved = np.array(["客户要求延期", "物流调整", "customer request"], dtype=object)
    asked = np.array(
        ["客户要求延期", "customer requested later date", "客户现场未准备好"], dtype=object
    )
    for per in range(N_PERIODS):
        r = pc[pc_per == per]
        if not len(r):
            continue
        p1 = r.pattern.to_numpy() == ops.PROMISE_MOVED
        frame = pd.DataFrame(
            {
                "source_system": oms,
                "order_id": r.order_id.to_numpy(),
                "old_promised_date": fmt_date(r.first_promise.to_numpy()),
                "new_promised_date": fmt_date(r.promise.to_numpy()),
                "changed_at": local_ts(r.change_time.to_numpy()),
                "changed_by": np.where(
                    p1, r.staff.to_numpy(), acc.account_manager_id.to_numpy()[r.a_idx]
                ),
                "reason": np.where(
                    p1, moved[rng.integers(0, 3, len(r))], asked[rng.integers(0, 3, len(r))]
                ),
            }
        )
        name = f"{oms}_promise_changes_{PERIOD_LABELS[per]}{part}"
        land.write("fulfillment__promise_changes", name, frame)


def write_deliveries(
    land: Landing,
    rng: np.random.Generator,
    oms: str,
    o: pd.DataFrame,
    part: str = "",
    awkward: bool = True,
) -> dict[str, str]:
    """By the period the record was written; one parquet and one reordered file."""
    special = {}
    end = w.END.astype("datetime64[s]") + np.timedelta64(86399, "s")
    d = o[o.delivered & ~o.cancelled_final & (o.recorded_at.to_numpy() <= end)]
    d_per = period_of(d.recorded_at.to_numpy())
    for per in range(N_PERIODS):
        r = d[d_per == per]
        if not len(r):
            continue
        manual = r.manual.to_numpy()
        pod = np.where(
            manual,
            np.where(rng.random(len(r)) < 0.6, True, None),
            rng.random(len(r)) < 0.9,
        )
        pod = np.where(r.pattern.to_numpy() == ops.EARLY_RECORD, None, pod)
        frame = pd.DataFrame(
            {
                "source_system": oms,
                "delivery_id": r.delivery_id.to_numpy(),
                "order_id": r.order_id.to_numpy(),
                "delivered_at": local_ts(r.delivered_at.to_numpy()),
                "quantity_delivered": fmt_num(r.qty_delivered.to_numpy()),
                "entry_channel": np.where(manual, "manual", "scan"),
                "recorded_by": r.recorded_by.to_numpy(),
                "recorded_at": local_ts(r.recorded_at.to_numpy()),
                "pod_signed": pod,
            }
        )
        name = f"{oms}_deliveries_{PERIOD_LABELS[per]}{part}"
        if awkward and oms == "oms_west" and per == 4:
            p = land.write("fulfillment__deliveries", name, frame, fmt="parquet", bad=False)
            special["parquet_file"] = land.rel(p)
        elif awkward and oms == "oms_south" and per == 3:
            p = land.write(
                "fulfillment__deliveries",
                name,
                frame,
                fmt="csv",
                header_case="lower",
                order="reversed",
            )
            special["reordered_columns_file"] = land.rel(p)
        else:
            land.write("fulfillment__deliveries", name, frame)
    return special


def write_confirmations(
    land: Landing,
    rng: np.random.Generator,
    o: pd.DataFrame,
    persons: pd.DataFrame,
    part: str = "",
) -> None:
    """The customer's own channels: mini-program taps and SMS replies."""
    end = w.END.astype("datetime64[s]") + np.timedelta64(86399, "s")
    cf = o[o.confirmed & ~o.cancelled_final & (o.confirmed_at.to_numpy() <= end)].copy()
    cf["channel"] = np.where(rng.random(len(cf)) < 0.7, "mini_program", "sms_gateway")
    cf_per = period_of(cf.confirmed_at.to_numpy())
    pers = persons.iloc[cf.person_idx.to_numpy()]
    issue = cf.issue_type.to_numpy()
    late_comments = np.array(v.SURVEY_COMMENTS["zh"]["late"], dtype=object)
    for ch in ("mini_program", "sms_gateway"):
        for per in range(N_PERIODS):
            m = (cf.channel.to_numpy() == ch) & (cf_per == per)
            r = cf[m]
            if not len(r):
                continue
            pr = pers[m]
            has_issue = issue[m] != ""
            late_txt = np.where(issue[m] == "late", late_comments[rng.integers(0, 3, len(r))], None)
            frame = pd.DataFrame(
                {
                    "source_system": ch,
                    "confirmation_id": r.confirmation_id.to_numpy(),
                    "order_id": r.order_id.to_numpy(),
                    "contact_phone": np.where(ch == "sms_gateway", pr.mobile.to_numpy(), None),
                    "contact_email": np.where(ch == "mini_program", pr.email.to_numpy(), None),
                    "confirmed_at": local_ts(r.confirmed_at.to_numpy()),
                    "received_date": fmt_date(r.received_date.to_numpy()),
                    "received_in_full": r.in_full.to_numpy(dtype=bool),
                    "issue_reported": has_issue,
                    "issue_type": np.where(has_issue, issue[m], None),
                    "comment": np.where(rng.random(len(r)) < 0.5, late_txt, None),
                }
            )
            name = f"{ch}_confirmations_{PERIOD_LABELS[per]}{part}"
            land.write("fulfillment__confirmations", name, frame)


def write_regional_reports(land: Landing, rng: np.random.Generator, reports: pd.DataFrame) -> None:
    """By the period they were submitted; a few re-submitted with the OTIF filled in."""
    rp = reports.copy()
    first_missing_otif = rng.random(len(rp)) < 0.04
    rp_per = period_of(rp.submitted_at.to_numpy())
    rp_per = np.where(rp_per < 0, N_PERIODS - 1, rp_per)
    frame = pd.DataFrame(
        {
            "region": rp.region,
            "business_unit": rp.business_unit,
            "period_month": rp.period_month,
            "orders_due": rp.orders_due.astype(str),
            "orders_on_time": rp.orders_on_time.astype(str),
            "on_time_rate": fmt_num(rp.on_time_rate.to_numpy(), 4),
            "otif_rate": np.where(first_missing_otif, None, fmt_num(rp.otif_rate.to_numpy(), 4)),
            "submitted_by": rp.submitted_by,
            "submitted_at": local_ts(rp.submitted_at.to_numpy()),
        }
    )
    for per in range(N_PERIODS):
        land.write(
            "fulfillment__regional_reports",
            f"regional_reports_{PERIOD_LABELS[per]}",
            frame[rp_per == per],
        )
    resub = frame[first_missing_otif].copy()
    resub["otif_rate"] = fmt_num(rp.otif_rate.to_numpy()[first_missing_otif], 4)
    resub["submitted_at"] = local_ts(
        rp.submitted_at.to_numpy()[first_missing_otif] + np.timedelta64(5, "D")
    )
    if len(resub):
        land.write("fulfillment__regional_reports", "regional_reports_resubmitted", resub)


def write_surveys(
    land: Landing,
    rng: np.random.Generator,
    spec: pd.DataFrame,
    resp: pd.DataFrame,
    persons: pd.DataFrame,
    o: pd.DataFrame,
    part: str = "",
) -> None:
    write_invitations(land, rng, spec, persons, o, part)
    write_responses(land, resp, part)


def write_invitations(
    land: Landing,
    rng: np.random.Generator,
    spec: pd.DataFrame,
    persons: pd.DataFrame,
    o: pd.DataFrame,
    part: str = "",
) -> None:
    p = persons.iloc[spec.p_idx.to_numpy()]
    channel = np.where(
        spec.survey_type == "delivery",
        np.where(rng.random(len(spec)) < 0.6, "mini_program", "sms"),
        np.where(rng.random(len(spec)) < 0.6, "email", "wechat"),
    )
    order_id = np.where(
        spec.order_row.to_numpy() >= 0,
        o.order_id.to_numpy()[np.maximum(spec.order_row.to_numpy(), 0)],
        None,
    )
    inv = pd.DataFrame(
        {
            "invitation_id": spec.invitation_id,
            "survey_id": spec.survey_id,
            "survey_type": spec.survey_type,
            "channel": channel,
            "sent_at": local_ts(spec.sent_at.to_numpy()),
            "contact_email": np.where(channel == "email", p.email.to_numpy(), None),
            "contact_phone": np.where(channel != "email", p.mobile.to_numpy(), None),
            "order_id": order_id,
            "sent_by": spec.sent_by,
        }
    )
    inv_per = period_of(spec.sent_at.to_numpy())
    for per in range(N_PERIODS):
        chunk = inv[inv_per == per]
        if part and chunk.empty:
            continue
        land.write("survey__invitations", f"invitations_{PERIOD_LABELS[per]}{part}", chunk)


def write_responses(land: Landing, resp: pd.DataFrame, part: str = "") -> None:
    cols = list(c.table("survey", "responses").column_names)
    frame = resp.copy()
    scores = [x for x in cols if x in ("nps", "ces", "csat") or x.startswith("rate_")]
    for col in scores:
        frame[col] = fmt_num(frame[col].to_numpy())
    frame["submitted_at"] = local_ts(frame.submitted_at.to_numpy())
    r_per = period_of(resp.submitted_at.to_numpy())
    for per in range(N_PERIODS):
        chunk = frame.loc[r_per == per, cols]
        if part and chunk.empty:
            continue
        land.write("survey__responses", f"responses_{PERIOD_LABELS[per]}{part}", chunk)


def write_posts(land: Landing, posts: pd.DataFrame) -> None:
    """JSON lines (the contract's format for public opinion). The simulation's
    times are UTC; the writer takes local wall time."""
    local = posts.published_at.to_numpy() + np.timedelta64(8, "h")
    frame = pd.DataFrame(
        {
            "post_id": posts.post_id,
            "platform": posts.platform,
            "published_at": local_ts(local),
            "author_id": posts.author_id,
            "author_type": posts.author_type,
            "title": posts.title,
            "text": posts.text,
            "url": posts.url,
            "lang": posts.lang,
            "likes": posts.likes,
            "shares": posts.shares,
            "comments": posts.comments,
        }
    )
    per = period_of(local)
    for k in range(N_PERIODS):
        land.write("public_opinion__posts", f"posts_{PERIOD_LABELS[k]}", frame[per == k])


# --------------------------------------------------------------------------- the world


def order_records(o: pd.DataFrame, new: pd.DataFrame, first: int = 0) -> pd.DataFrame:
    """One frame of every order record the OMS holds: originals, then re-creations.
    Order, delivery and confirmation numbers start after `first` (a shard continues
    where the one before ended, so ids are unique across shards)."""
    n_orig = len(o)
    o["replaces_idx"] = -1
    allo = pd.concat([o, new], ignore_index=True)
    region_letter = np.array([r[0] for r in w.REGIONS], dtype=object)[allo.region.to_numpy()]
    number = np.arange(len(allo)) + first
    allo["order_id"] = "SO" + region_letter + pd.Series(number + 1_000_001).astype(str).to_numpy()
    rep = allo.replaces_idx.to_numpy()
    allo["replaces_order_id"] = np.where(
        rep >= 0, allo.order_id.to_numpy()[np.maximum(rep, 0)], None
    )
    is_orig = np.arange(len(allo)) < n_orig
    p3 = is_orig & (allo.pattern.to_numpy() == ops.CANCEL_RECREATE)
    allo["cancelled_final"] = allo.customer_cancel.to_numpy() | p3
    allo["cancel_time"] = np.where(p3, allo.p3_cancel_at.to_numpy(), allo.cancel_at.to_numpy())
    allo["change_time"] = np.where(
        is_orig & (allo.pattern.to_numpy() == ops.PROMISE_MOVED),
        allo.p1_changed_at.to_numpy(),
        np.where(
            is_orig & allo.deferred.to_numpy(), allo.defer_at.to_numpy(), np.datetime64("NaT")
        ),
    )
    allo.loc[~is_orig, "change_time"] = np.datetime64("NaT")
    allo.loc[p3, "delivered"] = False
    allo.loc[p3, "confirmed"] = False
    allo["delivery_id"] = "DL" + pd.Series(number + 50_000_001).astype(str).to_numpy()
    allo["confirmation_id"] = "CF" + pd.Series(number + 70_000_001).astype(str).to_numpy()
    return allo


def bad_budget(n_bad: int) -> dict[str, int]:
    """Bad rows per table: each template at least once, the rest pro rata."""
    total = sum(map(len, BAD_TEMPLATES.values()))
    return {t: max(len(b), n_bad * len(b) // total) for t, b in BAD_TEMPLATES.items()}


RESPONSE_SPEC_COLUMNS = [
    "invitation_id",
    "survey_id",
    "survey_type",
    "submitted_at",
    "stage",
    "touchpoint",
    "order_row",
    "p_idx",
    "staff_sent",
]


def survey_responses(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    persons: pd.DataFrame,
    acc: pd.DataFrame,
    allo: pd.DataFrame,
    actors: list,
    first_invitation: int = 0,
    first_response: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invitations sent, and the responses (customers' and prospects'); numbers
    start after `first_invitation` and `first_response`."""
    spec = voice.survey_specs(rng, cust, persons, acc, allo, actors, first_invitation)
    responded = spec[spec.responded].copy()
    responded["p_idx"], responded["forwarded"] = voice.forward_to_colleague(
        rng, persons, responded.p_idx.to_numpy(), voice.FORWARDED_RATE
    )
    scores = voice.score(rng, cust, persons, allo, responded)
    fields = voice.respondent_fields(rng, cust, persons, responded)
    resp = pd.concat([responded[[*RESPONSE_SPEC_COLUMNS, "forwarded"]], fields, scores], axis=1)
    resp = resp.rename(columns={"stage": "journey_stage"})
    resp["order_id"] = np.where(
        resp.order_row >= 0,
        allo.order_id.to_numpy()[np.maximum(resp.order_row.to_numpy(), 0)],
        None,
    )
    late = resp.on_time.to_numpy() == 0
    resp["comment"] = voice.comments(
        rng, resp.nps.fillna(7).to_numpy(), late, (resp.survey_type == "delivery").to_numpy()
    )
    resp["person_id"] = persons.person_id.to_numpy()[resp.p_idx]
    resp["customer_id"] = persons.customer_id.to_numpy()[resp.p_idx]
    resp = (
        pd.concat([resp, prospect_responses(rng, len(resp))], ignore_index=True)
        .sort_values("submitted_at", kind="stable")
        .reset_index(drop=True)
    )
    number = np.arange(len(resp)) + 300_000_001 + first_response
    resp["response_id"] = "R" + pd.Series(number).astype(str).to_numpy()
    return spec, resp


def prospect_responses(rng: np.random.Generator, n_customer: int) -> pd.DataFrame:
    """Anonymous journey answers from prospects (no invitation, no customer)."""
    pros = voice.prospect_specs(rng, max(10, n_customer // 40))
    return pd.DataFrame(
        {
            "invitation_id": None,
            "survey_id": "JRN-" + pros.stage,
            "survey_type": "journey",
            "submitted_at": pros.submitted_at,
            "journey_stage": pros.stage,
            "touchpoint": pros.touchpoint,
            "company_name": pros.company,
            "respondent_role": None,
            "order_id": None,
            "person_id": None,
            "customer_id": None,
            "nps": np.clip(np.round(rng.normal(6.5, 2, len(pros))), 0, 10),
            "ces": np.clip(np.round(rng.normal(4.5, 1.2, len(pros))), 1, 7),
            "csat": np.nan,
            "gamed": False,
            "staff_sent": False,
            "forwarded": False,
        }
    )


# --------------------------------------------------------------------------- ground truth

CUSTOMER_TRUTH_COLUMNS = [
    "customer_id",
    "legal_name_zh",
    "legal_name_en",
    "credit_code",
    "industry",
    "segment",
    "home_region",
    "city_en",
    "group_id",
    "am_id",
    "satisfaction",
    "z_fulfillment",
    "z_trust",
    "z_product",
    "z_ease",
    "z_price",
    "z_recognition",
]


def write_identity_truth(
    truth_dir: Path,
    cust: pd.DataFrame,
    acc: pd.DataFrame,
    persons: pd.DataFrame,
    contacts: pd.DataFrame,
) -> None:
    """Which records are the same customer or person (no landing form changes that)."""
    acc[
        [
            "source_system",
            "account_id",
            "customer_id",
            "primary",
            "credit_code_mistyped",
            "variation",
        ]
    ].to_parquet(truth_dir / "accounts.parquet", index=False)
    contacts[["source_system", "contact_id", "person_id", "customer_id"]].to_parquet(
        truth_dir / "contacts.parquet", index=False
    )
    persons[
        ["person_id", "customer_id", "role", "name_zh", "name_en", "email", "mobile"]
    ].to_parquet(truth_dir / "persons.parquet", index=False)
    cust[CUSTOMER_TRUTH_COLUMNS].to_parquet(truth_dir / "customers.parquet", index=False)


def _landed(
    land: Landing, table: str, column: str, keys: pd.DataFrame, on: list[str]
) -> np.ndarray:
    """Per row of `keys`: did the column land filled (latest version)? False when
    the record never landed."""
    got = land.landed_values(table, column).drop_duplicates(on, keep="last")
    merged = keys[on].merge(got[[*on, "landed"]], on=on, how="left")
    return merged.landed.fillna(False).to_numpy(bool)


def order_truth(
    o: pd.DataFrame, allo: pd.DataFrame, cust: pd.DataFrame, land: Landing
) -> pd.DataFrame:
    """Per order chain (before the OMS rows were split), with what of it landed:
    `landed_business_unit` is the business unit as the warehouse can know it
    (empty where the landing left it out); `staff_id_landed` says whether the
    staff id behind a pattern-1/2 order reached the landing zone."""
    n_orig = len(o)
    orig = allo.iloc[:n_orig]
    ot = ops.order_truth(o)
    replaced_by = pd.Series(
        allo.order_id.to_numpy()[n_orig:], index=allo.replaces_idx.to_numpy()[n_orig:]
    )
    bu = np.array(w.BUS, dtype=object)[orig.bu.to_numpy()]
    ot.insert(0, "source_system", np.array(OMS, dtype=object)[orig.region.to_numpy()])
    ot.insert(1, "order_id", orig.order_id.to_numpy())
    ot.insert(2, "replaced_by_order_id", replaced_by.reindex(np.arange(n_orig)).to_numpy())
    ot.insert(3, "customer_id", cust.customer_id.to_numpy()[orig.c_idx])
    ot.insert(4, "region", np.array(w.REGIONS, dtype=object)[orig.region.to_numpy()])
    ot.insert(5, "business_unit", bu)
    keys = ot[["source_system", "order_id"]]
    bu_landed = _landed(land, "fulfillment__orders", "business_unit", keys, list(keys.columns))
    ot["landed_business_unit"] = np.where(bu_landed, bu, None)
    by_p1 = _landed(land, "fulfillment__promise_changes", "changed_by", keys, list(keys.columns))
    by_p2 = _landed(land, "fulfillment__deliveries", "recorded_by", keys, list(keys.columns))
    pattern = ot.pattern.to_numpy()
    staff = np.where(
        pattern == "promise_moved",
        by_p1,
        np.where(pattern == "delivery_recorded_early", by_p2, None),
    )
    ot["staff_id_landed"] = pd.array(staff, dtype="boolean")
    return ot


def response_truth(resp: pd.DataFrame, spec: pd.DataFrame, land: Landing) -> pd.DataFrame:
    """Who answered; `forwarded`: a colleague of the invitation's addressee answered;
    `order_link_landed` says whether the response's order can be known from the
    landing (its own order_id, or its invitation's)."""
    truth = resp[
        ["response_id", "person_id", "customer_id", "survey_type", "order_id", "gamed", "forwarded"]
    ]
    truth = truth.copy()
    own = _landed(land, "survey__responses", "order_id", resp, ["response_id"])
    inv = resp[["invitation_id"]].fillna("")
    via_inv = _landed(land, "survey__invitations", "order_id", inv, ["invitation_id"])
    truth["order_link_landed"] = np.where(resp.order_id.notna(), own | via_inv, None)
    truth["order_link_landed"] = truth.order_link_landed.astype("boolean")
    return truth


def build_manifest(
    land: Landing,
    counts: dict[str, int],
    actors: list,
    special: dict[str, str],
    header: dict[str, object],
) -> dict:
    return {
        **header,
        "counts": counts,
        "rows_per_file": land.rows_per_file,
        "bad_rows": len(land.bad_rows),
        "driver_weights": voice.DRIVER_WEIGHTS,
        "actors": [
            {
                "region": w.REGIONS[a.region],
                "business_unit": w.BUS[a.bu],
                "months": [np.datetime_as_string(w.MONTH_STARTS[m], unit="M") for m in a.months],
                "patterns": [ops.PATTERN_NAMES[p] for p in a.patterns],
                "staff_id": a.staff,
                "intensity": round(a.intensity, 3),
            }
            for a in actors
        ],
        **special,
        "forms": land.forms.log.summary(land.forms.opts),
    }


# --------------------------------------------------------------------------- main

# Worlds up to this many customers are simulated whole, in memory, as they always
# were: small and medium files are pinned byte for byte (tests, tuned scorers).
# Larger ones (the large scale) are simulated in shards of customers, so memory is
# bounded by a shard and the CRM master data, not by the world's orders.
WHOLE_UP_TO_CUSTOMERS = 50_000
CUSTOMERS_PER_SHARD = 10_000
# Shard k draws from np.random.default_rng([seed, SHARD_STREAM, k]): a stream of its
# own, apart from the other [seed, n] streams (13: name variation).
SHARD_STREAM = 1009


def default_shards(scale: w.Scale) -> int:
    """0 (the whole world at once) up to WHOLE_UP_TO_CUSTOMERS customers, else one
    shard per CUSTOMERS_PER_SHARD customers."""
    if scale.customers <= WHOLE_UP_TO_CUSTOMERS:
        return 0
    return -(-scale.customers // CUSTOMERS_PER_SHARD)


def build_crm(
    rng: np.random.Generator, seed: int, scale: w.Scale, variation: w.NameVariation
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers, their CRM accounts, persons, contacts and contracts."""
    cust = w.make_customers(rng, scale.customers)
    # Name variation draws from its own stream: its rates change names, not the world.
    vrng = np.random.default_rng([seed, 13])
    w.share_trade_names(vrng, cust, variation.shared_trade_name)
    w.assign_account_managers(rng, cust)
    w.sites_and_units(rng, cust)
    ops.satisfaction(cust)
    acc = w.make_accounts(rng, cust, variation, vrng)
    persons = w.make_persons(rng, cust)
    contacts = w.make_contacts(rng, persons, acc)
    contracts = ops.make_contracts(rng, cust, acc)
    return cust, acc, persons, contacts, contracts


def shard_frames(
    cust: pd.DataFrame, acc: pd.DataFrame, persons: pd.DataFrame, lo: int, hi: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers lo..hi-1 with their accounts and persons. The simulation indexes
    rows of the frames it is given, so customer indices start at 0 again; the ids
    (customer, account, person) stay the world's."""
    sc = cust.iloc[lo:hi].reset_index(drop=True)
    c_idx = acc.c_idx.to_numpy()
    sa = acc[(c_idx >= lo) & (c_idx < hi)].reset_index(drop=True)
    sa["c_idx"] = sa.c_idx.to_numpy() - lo
    # Persons are made customer by customer (make_persons): one contiguous block.
    p_lo, p_hi = np.searchsorted(persons.c_idx.to_numpy(), [lo, hi])
    sp = persons.iloc[p_lo:p_hi].reset_index(drop=True)
    sp["c_idx"] = sp.c_idx.to_numpy() - lo
    return sc, sa, sp


class TruthWriter:
    """One ground-truth parquet file written shard by shard (a row group each).

    The first shard fixes the schema; a column that shard left all empty (no
    manipulated order, say) is typed as text rather than null, so later shards
    that fill it still fit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, df: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(df, preserve_index=False)
        if self._writer is None:
            fields = [
                f.with_type(pa.large_string()) if pa.types.is_null(f.type) else f
                for f in table.schema
            ]
            schema = pa.schema(fields, metadata=table.schema.metadata)
            self._writer = pq.ParquetWriter(self.path, schema)
        self._writer.write_table(table.cast(self._writer.schema))
        self.rows += len(df)

    def __enter__(self) -> TruthWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()


def write_posts_and_truth(
    land: Landing, rng: np.random.Generator, cust: pd.DataFrame, n: int, truth_dir: Path
) -> int:
    posts = voice.posts(rng, cust, n)
    write_posts(land, posts)
    posts[
        [
            "platform",
            "post_id",
            "lang",
            "topic",
            "sentiment",
            "customer_id",
            "name_variant",
            "mentions_brand",
        ]
    ].to_parquet(truth_dir / "posts.parquet", index=False)
    return len(posts)


@dataclass
class Run:
    """What one generation needs besides the world it simulates."""

    out: Path
    truth_dir: Path
    rng: np.random.Generator
    seed: int
    scale: w.Scale
    variation: w.NameVariation
    manipulation: str
    forms: FormOptions
    # The alerts the warehouse will raise, for the demo's simulated handling.
    alerts: list[pd.DataFrame] = field(default_factory=list)


Generated = tuple[Landing, dict[str, int], dict[str, str], list[ops.Actor]]


def generate_whole(run: Run) -> Generated:
    """The whole world at once, in memory (small, medium)."""
    rng = run.rng
    cust, acc, persons, contacts, contracts = build_crm(rng, run.seed, run.scale, run.variation)
    actors = ops.plan_manipulation(rng, run.manipulation)
    o = ops.simulate_orders(rng, cust, acc, persons, run.scale, actors)
    new = ops.recreated_orders(rng, o)
    reports, region_truth = ops.regional_reports(rng, o, new, actors)
    allo = order_records(o, new)

    land = Landing(run.out, rng, bad_budget(run.scale.bad_rows), Forms(run.seed, run.forms))
    special = write_crm(land, rng, acc, contacts, contracts)
    special |= write_fulfillment(land, rng, allo, acc, persons, reports)
    spec, resp = survey_responses(rng, cust, persons, acc, allo, actors)
    write_surveys(land, rng, spec, resp, persons, allo)
    run.alerts.append(handling.world_alerts(resp, allo, cust, OMS, WORLD_END))
    n_posts = write_posts_and_truth(land, rng, cust, run.scale.posts, run.truth_dir)

    truth_dir = run.truth_dir
    write_identity_truth(truth_dir, cust, acc, persons, contacts)
    response_truth(resp, spec, land).to_parquet(truth_dir / "responses.parquet", index=False)
    order_truth(o, allo, cust, land).to_parquet(truth_dir / "orders.parquet", index=False)
    region_truth.to_parquet(truth_dir / "region_months.parquet", index=False)
    counts = {
        "customers": len(cust),
        "accounts": len(acc),
        "persons": len(persons),
        "contacts": len(contacts),
        "contracts": len(contracts),
        "orders": len(o),
        "recreated_orders": len(new),
        "invitations": len(spec),
        "responses": len(resp),
        "posts": n_posts,
    }
    return land, counts, special, actors


def generate_sharded(run: Run, n_shards: int) -> Generated:
    """The world in shards of customers: the CRM master data is made and written
    whole (it is small, and names, groups and account numbers span customers); then
    each shard simulates its customers' orders, deliveries, confirmations and
    surveys from a random stream of its own, writes them as files of its own
    (`..._partNNN`) and its rows of the order and response truth, and is freed
    before the next. Only the cell counts behind the regional reports cross shards;
    reports and posts are made once all shards are done."""
    rng, seed, scale = run.rng, run.seed, run.scale
    cust, acc, persons, contacts, contracts = build_crm(rng, seed, scale, run.variation)
    actors = ops.plan_manipulation(rng, run.manipulation)
    # The lateness effect of a region x BU x month is the cell's, not a shard's.
    cell_noise = rng.normal(0, 0.25, ops.N_CELLS)
    land = Landing(run.out, rng, bad_budget(scale.bad_rows), Forms(seed, run.forms))
    special = write_crm(land, rng, acc, contacts, contracts)
    write_identity_truth(run.truth_dir, cust, acc, persons, contacts)
    counts = {
        "customers": len(cust),
        "accounts": len(acc),
        "persons": len(persons),
        "contacts": len(contacts),
        "contracts": len(contracts),
        "orders": 0,
        "recreated_orders": 0,
        "invitations": 0,
        "responses": 0,
    }
    del contacts, contracts  # no shard needs them

    bounds = np.linspace(0, len(cust), n_shards + 1).round().astype(np.int64)
    weight = cust.order_weight.to_numpy()
    cells: ops.CellCounts | None = None
    records = 0  # order records (originals and re-creations) numbered so far
    with (
        TruthWriter(run.truth_dir / "orders.parquet") as orders_truth,
        TruthWriter(run.truth_dir / "responses.parquet") as responses_truth,
    ):
        for k in range(n_shards):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            srng = np.random.default_rng([seed, SHARD_STREAM, k])
            sc, sa, sp = shard_frames(cust, acc, persons, lo, hi)
            # The world's order volume, shared out by the customers' order weights.
            share = weight[lo:hi].sum() / weight.sum()
            sscale = replace(scale, orders=int(round(scale.orders * share)))
            o = ops.simulate_orders(srng, sc, sa, sp, sscale, actors, cell_noise)
            new = ops.recreated_orders(srng, o)
            shard_cells = ops.cell_counts(o, new)
            cells = shard_cells if cells is None else cells + shard_cells
            allo = order_records(o, new, first=records)
            part = f"_part{k:03d}"
            special |= write_fulfillment(land, srng, allo, sa, sp, None, part, awkward=k == 0)
            spec, resp = survey_responses(
                srng, sc, sp, sa, allo, actors, counts["invitations"], counts["responses"]
            )
            write_surveys(land, srng, spec, resp, sp, allo, part)
            run.alerts.append(handling.world_alerts(resp, allo, sc, OMS, WORLD_END))
            orders_truth.write(order_truth(o, allo, sc, land))
            responses_truth.write(response_truth(resp, spec, land))
            # Landed values are only asked about the shard's own records: forget them.
            land.landed.clear()
            records += len(allo)
            counts["orders"] += len(o)
            counts["recreated_orders"] += len(new)
            counts["invitations"] += len(spec)
            counts["responses"] += len(resp)
            del o, new, allo, spec, resp, sc, sa, sp
            gc.collect()

    assert cells is not None
    reports, region_truth = ops.reports_from_counts(rng, cells, actors)
    write_regional_reports(land, rng, reports)
    region_truth.to_parquet(run.truth_dir / "region_months.parquet", index=False)
    counts["posts"] = write_posts_and_truth(land, rng, cust, scale.posts, run.truth_dir)
    return land, counts, special, actors


WORLD_END = pd.Timestamp(w.END)  # the world's clock stops here (exclusive)


def write_alert_handling(out: Path, run: Run) -> int:
    """The demo's people acting on its alerts (simworld/demo/handling.py), written to
    the operational alert store where the dashboard writes (replacing an older demo's)."""
    paths = load_settings().paths
    if not paths.alert_store.is_relative_to(paths.data_dir):
        return 0  # a store configured outside the data is a real one: never simulated into
    store = out / paths.alert_store.relative_to(paths.data_dir)
    store.unlink(missing_ok=True)
    alerts = pd.concat(run.alerts, ignore_index=True).drop_duplicates("alert_id")
    return record_actions(handling.simulate_handling(alerts, run.seed, WORLD_END), store)


def generate(
    out: Path,
    scale_name: str = "small",
    seed: int = 42,
    manipulation: str = "normal",
    forms: FormOptions | None = None,
    variation: w.NameVariation | None = None,
    shards: int | None = None,
) -> dict:
    """Write the landing files and the ground truth of one world under `out`.

    `shards`: None picks default_shards(scale); 0 simulates the whole world in
    memory; N >= 1 simulates it in N shards of customers (bounded memory; the same
    seed gives the same files for the same N, but not the files of another N)."""
    t0 = time.perf_counter()
    scale = w.SCALES[scale_name]
    # A shard has at least one customer.
    n_shards = min(default_shards(scale) if shards is None else shards, scale.customers)
    for sub in ("landing", "ground_truth"):
        shutil.rmtree(out / sub, ignore_errors=True)
    truth_dir = out / "ground_truth"
    truth_dir.mkdir(parents=True)
    variation = variation or w.NameVariation()
    run = Run(
        out=out,
        truth_dir=truth_dir,
        rng=np.random.default_rng(seed),
        seed=seed,
        scale=scale,
        variation=variation,
        manipulation=manipulation,
        forms=forms or FormOptions(),
    )
    if n_shards > 0:
        land, counts, special, actors = generate_sharded(run, n_shards)
    else:
        land, counts, special, actors = generate_whole(run)

    counts["alert_actions"] = write_alert_handling(out, run)

    bad = pd.DataFrame(land.bad_rows, columns=["file", "row_number", "column", "reason"])
    bad.to_csv(truth_dir / "bad_rows.csv", index=False)
    counts["bad_rows"] = len(bad)
    header: dict[str, object] = {
        "scale": scale_name,
        "seed": seed,
        "manipulation": manipulation,
        "name_variation": dataclasses.asdict(variation),
    }
    if n_shards > 0:
        header["shards"] = n_shards
    manifest = build_manifest(land, counts, actors, special, header)
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    (truth_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return manifest


def _column_rate(text: str) -> tuple[str, float]:
    name, _, rate = text.partition("=")
    if "." not in name or not rate:
        raise argparse.ArgumentTypeError(f"expected TABLE.COLUMN=RATE, got {text!r}")
    return name, float(rate)


def _variation_rate(text: str) -> tuple[str, float]:
    name, _, rate = text.partition("=")
    if name not in w.NameVariation.__dataclass_fields__ or not rate:
        raise argparse.ArgumentTypeError(
            f"expected CLASS=RATE with a NameVariation field, got {text!r}"
        )
    return name, float(rate)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", choices=sorted(w.SCALES), default="small")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, default=load_settings().paths.data_dir)
    ap.add_argument("--manipulation", choices=("normal", "subtle", "none"), default="normal")
    ap.add_argument(
        "--shards",
        type=int,
        default=None,
        metavar="N",
        help="simulate and write the world in N shards of customers (bounded memory); "
        f"0 = the whole world in memory; default: 0 up to {WHOLE_UP_TO_CUSTOMERS:,} "
        f"customers, else one shard per {CUSTOMERS_PER_SHARD:,} (large: "
        f"{default_shards(w.SCALES['large'])})",
    )
    ap.add_argument(
        "--empty-rate",
        type=float,
        default=FormOptions.empty_rate,
        help="share of each optional column's values left empty (0 = none, overrides included)",
    )
    ap.add_argument(
        "--drop-column-rate",
        type=float,
        default=FormOptions.drop_column_rate,
        help="chance that a file leaves out one or two optional columns altogether",
    )
    ap.add_argument(
        "--empty-column",
        type=_column_rate,
        action="append",
        default=[],
        metavar="TABLE.COLUMN=RATE",
        help="empty rate of one column, e.g. fulfillment__orders.business_unit=0.2",
    )
    ap.add_argument(
        "--name-variation",
        choices=("normal", "heavy", "none"),
        default="normal",
        help="rates of the CRM name and credit-code variation classes (heavy doubles them)",
    )
    ap.add_argument(
        "--variation-rate",
        type=_variation_rate,
        action="append",
        default=[],
        metavar="CLASS=RATE",
        help="rate of one variation class, e.g. zh_homophone=0.05 "
        "(classes: the fields of simworld.demo.world.NameVariation)",
    )
    args = ap.parse_args(argv)
    opts = FormOptions(args.empty_rate, args.drop_column_rate, dict(args.empty_column))
    variation = dataclasses.replace(
        w.NameVariation.profile(args.name_variation), **dict(args.variation_rate)
    )
    if args.shards is not None and args.shards < 0:
        ap.error("--shards must be 0 or more")
    m = generate(args.out, args.scale, args.seed, args.manipulation, opts, variation, args.shards)
    files = len(m["rows_per_file"])
    shards = f", {m['shards']} shards" if m.get("shards") else ""
    print(
        f"generated {args.scale} (seed {args.seed}{shards}) in {m['seconds']} s: {files} files, "
        f"{sum(m['rows_per_file'].values()):,} rows, {m['bad_rows']} bad rows "
        f"-> {args.out / 'landing'}"
    )
    print("counts: " + ", ".join(f"{k}={v:,}" for k, v in m["counts"].items()))
    emptied = m["forms"]["emptied_values"]
    n = sum(x["emptied"] for x in emptied.values())
    cols = sum(1 for x in emptied.values() if x["emptied"])
    print(
        f"forms: {n:,} optional values emptied in {cols} columns, "
        f"{len(m['forms']['dropped_columns'])} files leave optional columns out"
    )


if __name__ == "__main__":
    main()
