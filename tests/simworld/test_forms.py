"""The generator uses every freedom of the landing contract (simworld/forms.py):
optional values left empty, optional columns left out, every timestamp and
boolean form, column names in any case and order, csv/jsonl/parquet; without
changing what a value means or what the world is."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pandas as pd
import pytest

from cx_settings import dbt_vars, load_settings
from ingest import contract as c
from ingest.validation import type_valid_sql
from orchestration.settings import PROJECT_ROOT
from simworld import forms as f
from simworld.generate import BAD_TEMPLATES, generate
from tests.simworld.landing import read_table

# Optional columns the simulated world always fills: before the forms, no
# landing file ever left them empty (an empty business unit crashed the build
# on other systems' exports).
ALWAYS_FILLED_BY_THE_WORLD = (
    "crm__accounts.business_unit",
    "crm__accounts.account_manager_id",
    "fulfillment__orders.requested_date",
    "fulfillment__orders.business_unit",
    "fulfillment__orders.product_category",
    "fulfillment__orders.sales_rep_id",
    "fulfillment__promise_changes.changed_by",
    "fulfillment__promise_changes.reason",
    "fulfillment__confirmations.issue_reported",
    "fulfillment__regional_reports.submitted_by",
    "survey__responses.nps",
    "public_opinion__posts.author_id",
    "public_opinion__posts.author_type",
    "public_opinion__posts.url",
    "public_opinion__posts.lang",
    "public_opinion__posts.likes",
    "public_opinion__posts.shares",
    "public_opinion__posts.comments",
)
ALL_BOOLEAN_FORMS = {
    *("true", "false", "TRUE", "FALSE", "True", "False"),
    *("yes", "no", "YES", "NO", "Yes", "No"),
    *("1", "0", "是", "否"),
}
BAD_VALUES = {b.value for bads in BAD_TEMPLATES.values() for b in bads}  # injected bad rows
TS_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}(?P<sec>:\d{2}(?P<frac>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?"
)


def _manifest(root: Path) -> dict:
    return json.loads((root / "ground_truth/manifest.json").read_text())


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "landing").rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def landed(small) -> dict[str, dict[str, pd.DataFrame]]:
    return {t.qualified: read_table(small, t) for t in c.TABLES}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "plain"
    generate(out, "small", 42, forms=f.FormOptions(empty_rate=0, drop_column_rate=0))
    return out


def _values(files: dict[str, pd.DataFrame], column: str) -> pd.Series:
    return pd.concat([df[column] for df in files.values() if column in df.columns])


# --------------------------------------------------------------------------- the small world


def test_every_optional_column_is_left_empty_somewhere(small, landed):
    emptied = _manifest(small)["forms"]["emptied_values"]
    for t in c.TABLES:
        files = landed[t.qualified]
        for col in f.optional_columns(t):
            name = f"{t.qualified}.{col}"
            if name in f.NEVER_EMPTIED:
                assert emptied[name]["emptied"] == 0, name
                continue
            if emptied[name]["of"] >= 200:  # a rarely filled column may escape by chance
                assert emptied[name]["emptied"] > 0, name
            assert _values(files, col).isna().any(), name


def test_the_columns_the_world_always_fills_are_now_empty_at_the_default_rate(landed):
    for name in ALWAYS_FILLED_BY_THE_WORLD:
        table, col = name.split(".")
        values = _values(landed[table], col)
        assert 0 < values.isna().mean() < 0.3, name


def test_an_empty_value_never_claims_something_false(small, landed):
    # A re-created order always names the order it replaces; a report always
    # names its business unit (empty would mean a report for the whole region).
    truth = pd.read_parquet(small / "ground_truth/orders.parquet")
    replaces = set(_values(landed["fulfillment__orders"], "replaces_order_id").dropna())
    assert replaces == set(truth.order_id[truth.replaced_by_order_id.notna()])
    assert _values(landed["fulfillment__regional_reports"], "business_unit").notna().all()


def test_some_files_leave_optional_columns_out(small, landed):
    dropped = _manifest(small)["forms"]["dropped_columns"]
    assert len(dropped) >= 3
    for rel, columns in dropped.items():
        source, table, _ = rel.split("/")
        t = c.table(source, table)
        df = landed[t.qualified][rel]
        assert set(columns) <= set(f.optional_columns(t)), rel
        assert not set(columns) & set(df.columns), rel
        assert not {f"{t.qualified}.{x}" for x in columns} & set(f.NOT_DROPPED), rel


def test_every_timestamp_form_appears(small, landed):
    seen: set[tuple[str, str, str]] = set()
    for t in c.TABLES:
        for col in f.columns_of_type(t, c.TS):
            values = set(_values(landed[t.qualified], col).dropna().astype(str)) - BAD_VALUES
            for v in values:
                m = TS_FORM.fullmatch(v)
                assert m, (t.qualified, col, v)
                precision = (
                    "min"
                    if not m["sec"]
                    else {None: "s", ".000": "ms", ".000000": "us"}.get(m["frac"], m["frac"])
                )
                seen.add((m["zone"] or "none", m["sep"], precision))
    assert {z for z, _, _ in seen} == set(f.TS_ZONES)
    assert {s for _, s, _ in seen} == set(f.TS_SEPARATORS)
    assert {p for _, _, p in seen} == set(f.TS_PRECISIONS)
    used = _manifest(small)["forms"]["forms_used"]["timestamps"]
    assert len(used) == len(f.TS_ZONES) * len(f.TS_SEPARATORS) * len(f.TS_PRECISIONS)


def test_every_boolean_form_appears(landed):
    seen: set[str] = set()
    for t in c.TABLES:
        for col in f.columns_of_type(t, c.BOOL):
            seen |= set(_values(landed[t.qualified], col).dropna().astype(str))
    assert seen - (BAD_VALUES - ALL_BOOLEAN_FORMS) == ALL_BOOLEAN_FORMS


def test_names_orders_formats_and_encodings_vary(small, landed):
    files = _manifest(small)["forms"]["files"]
    assert {x["header_case"] for x in files.values()} == {"lower", "upper", "title", "mixed"}
    assert _manifest(small)["forms"]["shuffled_column_files"] >= 5
    for t in c.TABLES:
        suffixes = {Path(rel).suffix for rel in landed[t.qualified]}
        expected = {".jsonl"} if t.file_format == "jsonl" else {".csv", ".jsonl", ".parquet"}
        assert suffixes == expected, t.qualified
    raw = [(small / "landing" / rel).read_bytes() for rel in files if rel.endswith(".csv")]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw)
    assert any(b"\r\n" in b for b in raw)


def test_the_truth_says_which_business_units_landed(small, landed):
    """For orders exported once, landed_business_unit is what that export says."""
    orders = pd.concat(landed["fulfillment__orders"].values())
    once = orders.drop_duplicates(["source_system", "order_id"], keep=False)
    truth = pd.read_parquet(small / "ground_truth/orders.parquet")
    merged = once.merge(truth, on=["source_system", "order_id"], suffixes=("_landed", ""))
    assert len(merged) > 1000
    assert merged.business_unit_landed.isna().any()
    assert (merged.business_unit_landed.isna() == merged.landed_business_unit.isna()).all()
    filled = merged.landed_business_unit.notna()
    assert (merged.landed_business_unit[filled] == merged.business_unit[filled]).all()


# --------------------------------------------------------------------------- the flags


def test_empty_rate_zero_leaves_every_value_the_world_filled(plain):
    forms = _manifest(plain)["forms"]
    assert sum(x["emptied"] for x in forms["emptied_values"].values()) == 0
    assert forms["dropped_columns"] == {}
    tables = {t.qualified: read_table(plain, t) for t in c.TABLES}
    for name in ALWAYS_FILLED_BY_THE_WORLD:
        table, col = name.split(".")
        assert all(col in df.columns for df in tables[table].values()), name
        assert _values(tables[table], col).notna().all(), name


def test_the_flags_change_the_form_not_the_world(small, plain):
    truth, other = small / "ground_truth", plain / "ground_truth"
    for name in ("region_months", "accounts", "contacts", "customers", "posts"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(truth / f"{name}.parquet"), pd.read_parquet(other / f"{name}.parquet")
        )
    landed_cols = ["landed_business_unit", "staff_id_landed", "order_link_landed"]
    for name in ("orders", "responses"):
        a = pd.read_parquet(truth / f"{name}.parquet")
        b = pd.read_parquet(other / f"{name}.parquet")
        pd.testing.assert_frame_equal(
            a.drop(columns=landed_cols, errors="ignore"),
            b.drop(columns=landed_cols, errors="ignore"),
        )
    assert (truth / "bad_rows.csv").read_bytes() == (other / "bad_rows.csv").read_bytes()
    assert set(_digest(small)) == set(_digest(plain))  # the same files, in the same formats


def test_the_same_flags_write_byte_identical_files(tmp_path):
    opts = f.FormOptions(0.2, 0.5, {"fulfillment__orders.business_unit": 0.5})
    generate(tmp_path / "a", "small", 3, forms=opts)
    generate(tmp_path / "b", "small", 3, forms=opts)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    emptied = _manifest(tmp_path / "a")["forms"]["emptied_values"]
    bu = emptied["fulfillment__orders.business_unit"]
    assert 0.4 < bu["emptied"] / bu["of"] < 0.6


# --------------------------------------------------------------------------- the forms


def _staging_sql(macro: str) -> str:
    """A staging cast macro rendered for a column `v` (dbt_project/macros/staging)."""
    src = (PROJECT_ROOT / "dbt_project/macros/staging/cast_helpers.sql").read_text()
    tz = dbt_vars(load_settings())
    env = jinja2.Environment()
    call = "{{ " + macro + "('v') }}"
    return env.from_string(src + call).render(var=lambda k: tz[k]).strip()


LOCAL = np.array(
    ["2025-03-04T10:00:00", "2025-03-04T07:59:59", "2025-12-31T23:30:00", "NaT"],
    dtype="datetime64[s]",
)


@pytest.mark.parametrize(
    "form",
    [f.TsForm(z, s, p) for z in f.TS_ZONES for s in f.TS_SEPARATORS for p in f.TS_PRECISIONS],
    ids=lambda x: x.label,
)
def test_every_timestamp_form_is_the_same_instant_to_loader_and_staging(form):
    text = f.format_ts(LOCAL, form)
    assert text[-1] is None
    valid = type_valid_sql("v", c.TS)
    staged = _staging_sql("default__cx_local_ts")
    with duckdb.connect() as con:
        for value, local in zip(text[:-1], LOCAL[:-1], strict=True):
            assert re.fullmatch(c.TYPE_PATTERNS[c.TS], value), value
            ok, got = con.execute(
                f"select {valid}, {staged} from (select ?::varchar as v)", [value]
            ).fetchone()
            assert ok, value
            assert np.datetime64(got, "s") == local, value


@pytest.mark.parametrize(
    "form", [f.BoolForm(w, k) for w in f.BOOL_WORDS for k in f.CASES], ids=lambda x: x.label
)
def test_every_boolean_form_means_the_same_to_loader_and_staging(form):
    text = f.format_bool(np.array([True, False, None, "true", "false"], dtype=object), form)
    assert text[2] is None
    valid = type_valid_sql("v", c.BOOL)
    staged = _staging_sql("cx_bool")
    with duckdb.connect() as con:
        got = [
            con.execute(f"select {valid}, {staged} from (select ?::varchar as v)", [v]).fetchone()
            for v in text[[0, 1, 3, 4]]
        ]
    assert got == [(True, True), (True, False), (True, True), (True, False)]


def test_emptying_is_decided_per_record_and_follows_the_rate():
    t = c.table("fulfillment", "orders")
    frame = pd.DataFrame(
        {
            "source_system": "oms_east",
            "order_id": [f"SO{i}" for i in range(20_000)],
            "business_unit": "mro",
            "replaces_order_id": "SO1",
        }
    )
    forms = f.Forms(7, f.FormOptions(empty_rate=0.1))
    once = forms.empty_optional(t, frame)
    again = forms.empty_optional(t, frame.iloc[::-1]).iloc[::-1]
    hit = once.business_unit.isna()
    assert 0.09 < hit.mean() < 0.11
    assert (again.business_unit.isna().to_numpy() == hit.to_numpy()).all()  # per record
    assert once.replaces_order_id.notna().all()  # never emptied
    assert f.FormOptions(empty_rate=0, overrides={"x.y": 0.5}).rate("x", "y") == 0


# --------------------------------------------------------------------------- the real loader


@pytest.mark.e2e
def test_the_loader_takes_every_form_and_quarantines_exactly_the_bad_rows(small, tmp_path):
    """Every file of the small world through ingest.loader: none unreadable,
    the bad rows (in csv, jsonl and parquet files) and nothing else quarantined."""
    from ingest.loader import load_table

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        results = [r for t in c.TABLES for r in load_table(con, t, small / "landing")]
        quarantined = set(
            con.execute(
                "select file_path, row_number, reason, coalesce(column_name, '') "
                "from raw._quarantine"
            ).fetchall()
        )
        ledger = dict(
            con.execute(
                "select file_path, rows_in from raw._load_ledger where status = 'loaded'"
            ).fetchall()
        )
    assert [r.file_path for r in results if r.status == "rejected"] == []
    bad = pd.read_csv(small / "ground_truth/bad_rows.csv", dtype=str, keep_default_na=False)
    assert quarantined == {
        (r.file, int(r.row_number), r.reason, r.column) for r in bad.itertuples()
    }
    assert {Path(f).suffix for f in bad.file} == {".csv", ".jsonl", ".parquet"}
    m = _manifest(small)
    assert ledger == {k: v for k, v in m["rows_per_file"].items() if k != m["duplicate_file"]}
