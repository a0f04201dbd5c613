"""How a source system writes a landing file: every freedom the contract allows.

The contract (docs/landing-contract.md) lets a file leave optional (`?`)
columns empty or out altogether, name its columns in any case and order, write
timestamps with or without a zone (`Z`, `+08:00`, none = Asia/Shanghai), with
`T` or a space, with or without seconds and fractions, booleans as
true/false/1/0/yes/no/是/否 in any case, and come as csv, jsonl or parquet.
Other systems' exports use these freedoms; a generator that always fills every
column in one form hides the bugs they reveal. This module draws the form of
each file and applies it to a frame, vectorised.

Nothing here changes what a value means: a timestamp written with `Z` is the
same instant as its local form, seconds are only left out where they are zero,
and a value is only emptied where an empty value claims nothing false (see
NEVER_EMPTIED). Which values were emptied is decided per record (a hash of the
record's business key), so every export of the same record agrees. All draws
come from streams of their own (the world's seed and the file's name), never
from the simulation's generator: the flags change how the world is written,
not the world.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ingest import contract as c

LOCAL_UTC_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai, no daylight saving

# Timestamp forms: zone x separator x precision. `min` leaves seconds out where
# they are zero (ISO-8601 hh:mm), `ms`/`us` add a zero fraction.
TS_ZONES = ("none", "+08:00", "Z", "+00:00")
TS_SEPARATORS = ("T", " ")
TS_PRECISIONS = ("s", "min", "ms", "us")
BOOL_WORDS: dict[str, tuple[str, str]] = {
    "true/false": ("true", "false"),
    "1/0": ("1", "0"),
    "yes/no": ("yes", "no"),
    "是/否": ("是", "否"),
}
CASES = ("lower", "upper", "title")
FORMATS = ("csv", "jsonl", "parquet")

# Pools cycled (in a seeded shuffled order) over the files they apply to, so
# every form appears once the pool has gone round, and most files stay plain.
HEADER_POOL = ("lower",) * 4 + ("upper", "title", "mixed")
SHUFFLE_POOL = (False, False, False, True)
FORMAT_POOL = ("csv",) * 4 + ("jsonl", "parquet")
ENCODING_POOL = ("utf-8",) * 7 + ("utf-8-sig",)
NEWLINE_POOL = ("\n",) * 4 + ("\r\n",)
JSON_EMPTY_POOL = ("null", "")

# Optional columns whose empty value says something else than "not known":
# emptying a filled one would make the record claim something false.
NEVER_EMPTIED: dict[str, str] = {
    "fulfillment__orders.replaces_order_id": "empty means the order re-creates no other",
    "survey__invitations.sent_by": "empty means no staff member triggered the invitation",
    "fulfillment__regional_reports.business_unit": "empty means a report for the whole region",
}
# Optional columns never left out of a whole file (they are still emptied per
# record): an order's business unit places it in its region x BU x month cell;
# a whole export without it would empty a region's cells for a quarter, and
# the truth per cell could no longer be measured against anything.
NOT_DROPPED: dict[str, str] = {
    "fulfillment__orders.business_unit": "places the order in its region x BU x month cell",
}
# Per-column empty rates that differ from the default (`table.column`).
EMPTY_RATE_OVERRIDES: dict[str, float] = {
    "public_opinion__posts.lang": 0.15,  # platforms often do not tag a language
    **dict.fromkeys(NEVER_EMPTIED, 0.0),
}


def stable_int(*parts: object) -> int:
    """A 63-bit integer from the parts, the same in every process and run."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: well-spread 64-bit values from any 64-bit input."""
    z = h.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def key_hash(frame: pd.DataFrame, key: Sequence[str]) -> np.ndarray:
    """A 64-bit hash of each row's business key (the same in every run)."""
    return pd.util.hash_pandas_object(frame[list(key)], index=False).to_numpy(np.uint64)


def uniforms(h: np.ndarray, salt: int) -> np.ndarray:
    """One uniform [0, 1) per key hash, fixed by the key and the salt."""
    return (_mix(h ^ np.uint64(salt)) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def is_empty(values: pd.Series) -> np.ndarray:
    """True where a landing value is empty (missing or empty text)."""
    a = values.to_numpy()
    empty = np.asarray(pd.isna(a), dtype=bool)
    if a.dtype == object:
        empty |= np.asarray(a == "", dtype=bool)
    return empty


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class FormOptions:
    """The flags: how often optional values are emptied and columns dropped."""

    empty_rate: float = 0.03
    drop_column_rate: float = 0.1
    overrides: Mapping[str, float] = field(default_factory=dict)

    def rate(self, table: str, column: str) -> float:
        """Empty rate of one optional column; 0 everywhere when empty_rate is 0."""
        name = f"{table}.{column}"
        if self.empty_rate <= 0 or name in NEVER_EMPTIED:
            return 0.0
        return float(self.overrides.get(name, EMPTY_RATE_OVERRIDES.get(name, self.empty_rate)))


def optional_columns(table: c.Table) -> tuple[str, ...]:
    return tuple(col.name for col in table.columns if not col.required)


def columns_of_type(table: c.Table, type_: str) -> tuple[str, ...]:
    return tuple(col.name for col in table.columns if col.type == type_)


# --------------------------------------------------------------------------- per-file form


@dataclass(frozen=True)
class TsForm:
    zone: str
    sep: str
    precision: str

    @property
    def label(self) -> str:
        return f"zone={self.zone} sep={'space' if self.sep == ' ' else 'T'} {self.precision}"


@dataclass(frozen=True)
class BoolForm:
    words: str
    case: str

    @property
    def label(self) -> str:
        return f"{self.words} {self.case}"


@dataclass(frozen=True)
class FileForm:
    format: str
    header_case: str
    shuffle: bool
    ts: TsForm
    bool: BoolForm
    encoding: str
    newline: str
    json_empty: str
    dropped: tuple[str, ...]

    def describe(self, table: c.Table) -> dict[str, object]:
        out: dict[str, object] = {"format": self.format, "header_case": self.header_case}
        if self.shuffle:
            out["shuffled_columns"] = True
        if columns_of_type(table, c.TS):
            out["timestamps"] = self.ts.label
        if columns_of_type(table, c.BOOL):
            out["booleans"] = self.bool.label
        if self.format == "csv":
            out["encoding"] = self.encoding
            out["newline"] = "crlf" if self.newline == "\r\n" else "lf"
        if self.format == "jsonl":
            out["json_empty"] = self.json_empty
        if self.dropped:
            out["dropped_columns"] = list(self.dropped)
        return out


class _Cycle:
    """Hands out a pool's items in a seeded shuffled order, round after round."""

    def __init__(self, pool: Sequence[object], seed: int, name: str) -> None:
        rng = np.random.default_rng([seed, stable_int("cycle", name)])
        self._items = [pool[i] for i in rng.permutation(len(pool))]
        self._next = 0

    def take(self) -> object:
        item = self._items[self._next % len(self._items)]
        self._next += 1
        return item


@dataclass
class FormLog:
    """What the forms did, for the ground-truth manifest."""

    files: dict[str, dict[str, object]] = field(default_factory=dict)
    emptied: Counter = field(default_factory=Counter)
    values: Counter = field(default_factory=Counter)

    def summary(self, opts: FormOptions) -> dict[str, object]:
        used = {"timestamps": set(), "booleans": set(), "header_case": set(), "format": set()}
        dropped: dict[str, list[str]] = {}
        for path, form in self.files.items():
            for k, seen in used.items():
                if k in form:
                    seen.add(str(form[k]))
            if "dropped_columns" in form:
                dropped[path] = list(form["dropped_columns"])  # type: ignore[arg-type]
        rates = {
            f"{t.qualified}.{col}": opts.rate(t.qualified, col)
            for t in c.TABLES
            for col in optional_columns(t)
        }
        return {
            "empty_rate": opts.empty_rate,
            "drop_column_rate": opts.drop_column_rate,
            "empty_rates": rates,
            "never_emptied": dict(NEVER_EMPTIED),
            "never_dropped": dict(NOT_DROPPED),
            "emptied_values": {
                k: {"emptied": self.emptied[k], "of": self.values[k]} for k in sorted(self.values)
            },
            "dropped_columns": dropped,
            "forms_used": {k: sorted(v) for k, v in used.items()},
            "shuffled_column_files": sum(
                1 for f in self.files.values() if f.get("shuffled_columns")
            ),
            "files": self.files,
        }


class Forms:
    """Draws each file's form and applies it; keeps the log for the manifest."""

    def __init__(self, seed: int, opts: FormOptions) -> None:
        self.seed = seed
        self.opts = opts
        self.log = FormLog()
        ts_combos = [
            TsForm(z, s, p) for z in TS_ZONES for s in TS_SEPARATORS for p in TS_PRECISIONS
        ]
        bool_combos = [BoolForm(w, k) for w in BOOL_WORDS for k in CASES]
        self._cycles = {
            "ts": _Cycle(ts_combos, seed, "ts"),
            "bool": _Cycle(bool_combos, seed, "bool"),
            "header": _Cycle(HEADER_POOL, seed, "header"),
            "shuffle": _Cycle(SHUFFLE_POOL, seed, "shuffle"),
            "encoding": _Cycle(ENCODING_POOL, seed, "encoding"),
            "newline": _Cycle(NEWLINE_POOL, seed, "newline"),
            "json_empty": _Cycle(JSON_EMPTY_POOL, seed, "json_empty"),
        }
        self._formats: dict[str, _Cycle] = {}

    def _take(self, kind: str, applies: bool, default: object) -> object:
        return self._cycles[kind].take() if applies else default

    def _format(self, table: c.Table) -> str:
        if table.file_format != "csv":  # the contract pins it (public_opinion: JSON lines)
            return table.file_format
        cyc = self._formats.setdefault(
            table.qualified, _Cycle(FORMAT_POOL, self.seed, f"format:{table.qualified}")
        )
        return str(cyc.take())

    def draw(
        self,
        table: c.Table,
        name: str,
        columns: Sequence[str],
        *,
        fmt: str | None = None,
        header_case: str | None = None,
        keep_order: bool = False,
        keep: Sequence[str] = (),
    ) -> FileForm:
        """The form of one file. Pinned parts (a special file) are not drawn."""
        fmt = fmt or self._format(table)
        has_ts = bool(set(columns_of_type(table, c.TS)) & set(columns))
        has_bool = bool(set(columns_of_type(table, c.BOOL)) & set(columns))
        return FileForm(
            format=fmt,
            header_case=header_case or str(self._take("header", True, "lower")),
            shuffle=bool(self._take("shuffle", not keep_order, False)),
            ts=self._take("ts", has_ts, TsForm("none", " ", "s")),  # type: ignore[arg-type]
            bool=self._take("bool", has_bool, BoolForm("true/false", "lower")),  # type: ignore[arg-type]
            encoding=str(self._take("encoding", fmt == "csv", "utf-8")),
            newline=str(self._take("newline", fmt == "csv", "\n")),
            json_empty=str(self._take("json_empty", fmt == "jsonl", "null")),
            dropped=self._dropped(table, name, columns, keep),
        )

    def _dropped(
        self, table: c.Table, name: str, columns: Sequence[str], keep: Sequence[str]
    ) -> tuple[str, ...]:
        rng = np.random.default_rng([self.seed, stable_int("drop", table.qualified, name)])
        if rng.random() >= self.opts.drop_column_rate:
            return ()
        candidates = [
            col
            for col in optional_columns(table)
            if col in columns
            and col not in keep
            and f"{table.qualified}.{col}" not in NEVER_EMPTIED
            and f"{table.qualified}.{col}" not in NOT_DROPPED
        ]
        if not candidates:
            return ()
        k = min(len(candidates), 1 + int(rng.random() < 0.3))
        return tuple(sorted(candidates[i] for i in rng.choice(len(candidates), k, replace=False)))

    # ----------------------------------------------------------------------- applying

    def empty_optional(self, table: c.Table, frame: pd.DataFrame) -> pd.DataFrame:
        """Empty optional values at their column's rate, decided per record."""
        frame = frame.copy()
        h = key_hash(frame, table.key)
        for col in optional_columns(table):
            if col not in frame.columns:
                continue
            name = f"{table.qualified}.{col}"
            filled = ~is_empty(frame[col])
            self.log.values[name] += int(filled.sum())
            rate = self.opts.rate(table.qualified, col)
            if rate <= 0 or not filled.any():
                continue
            hit = filled & (uniforms(h, stable_int(self.seed, name)) < rate)
            if hit.any():
                frame[col] = frame[col].astype(object).where(~hit, None)
                self.log.emptied[name] += int(hit.sum())
        return frame

    def render(
        self, table: c.Table, frame: pd.DataFrame, form: FileForm, name: str
    ) -> pd.DataFrame:
        """Dropped columns out, timestamps and booleans in the file's form, column order."""
        frame = frame.drop(columns=list(form.dropped))
        for col in columns_of_type(table, c.TS):
            if col in frame.columns:
                frame[col] = format_ts(frame[col].to_numpy(), form.ts)
        for col in columns_of_type(table, c.BOOL):
            if col in frame.columns:
                frame[col] = format_bool(frame[col].to_numpy(), form.bool)
        if form.shuffle:
            rng = np.random.default_rng([self.seed, stable_int("order", table.qualified, name)])
            frame = frame[[frame.columns[i] for i in rng.permutation(len(frame.columns))]]
        return frame

    def header(self, columns: Sequence[str], form: FileForm, name: str) -> list[str]:
        """Column names as the file writes them (names are case-insensitive)."""
        if form.header_case != "mixed":
            return [_case(col, form.header_case) for col in columns]
        rng = np.random.default_rng([self.seed, stable_int("header", name)])
        picks = rng.integers(0, len(CASES), len(columns))
        return [_case(col, CASES[k]) for col, k in zip(columns, picks, strict=True)]


def _case(text: str, case: str) -> str:
    return {"lower": text.lower(), "upper": text.upper(), "title": text.title()}[case]


# --------------------------------------------------------------------------- value forms


def format_ts(local: np.ndarray, form: TsForm) -> np.ndarray:
    """Local (Asia/Shanghai) wall times as text in the form; the same instants."""
    a = np.asarray(local).astype("datetime64[s]")
    nat = np.isnat(a)
    if form.zone in ("Z", "+00:00"):
        a = a - LOCAL_UTC_OFFSET
    s = pd.Series(np.datetime_as_string(a, unit="s"), dtype=object)
    if form.precision == "min":
        whole_minute = (a.astype(np.int64) % 60) == 0
        s = s.where(~whole_minute, s.str.slice(0, 16))
    elif form.precision in ("ms", "us"):
        s = s + (".000" if form.precision == "ms" else ".000000")
    if form.sep == " ":
        s = s.str.replace("T", " ", regex=False)
    if form.zone != "none":
        s = s + form.zone
    out = s.to_numpy(dtype=object, copy=True)
    out[nat] = None
    return out


def format_bool(values: np.ndarray, form: BoolForm) -> np.ndarray:
    """True/False/None (or their text) as the file writes booleans; None stays empty."""
    v = pd.Series(values, dtype=object)
    text = v.astype("string").str.strip().str.lower()
    true = text.isin(c.BOOL_TRUE).fillna(False).to_numpy(bool)
    false = text.isin(c.BOOL_FALSE).fillna(False).to_numpy(bool)
    yes, no = (_case(w, form.case) for w in BOOL_WORDS[form.words])
    return np.where(true, yes, np.where(false, no, None)).astype(object)
