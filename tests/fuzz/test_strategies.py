"""Fast checks of the fuzzing strategies, and the loader alone on what they draw.

- The contract transcribed in tests/fuzz/strategies.py and the loader's own
  (ingest/contract.py) agree on every table, column, type and optionality: if one
  of them drifts from docs/landing-contract.md, this says where.
- Every drawn file goes through the loader whole: recorded once, every row loaded,
  none quarantined, text intact (seconds for many examples; the end-to-end
  fuzzing in test_contract_fuzz_e2e.py builds the whole job on fewer).
"""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings

from ingest import contract as c
from ingest.loader import ensure_schema, load_table
from tests.fuzz.strategies import CONTRACT, ID, TEXT, LandingSet, landing_sets, sort_rows


def test_the_transcribed_contract_matches_the_loaders():
    ours = {
        table: [(col.name, col.type, col.optional) for col in cols]
        for table, cols in CONTRACT.items()
    }
    loaders = {
        f"{t.source}/{t.name}": [(col.name, col.type, not col.required) for col in t.columns]
        for t in c.TABLES
    }
    assert ours == loaders


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(landing=landing_sets())
def test_every_drawn_file_loads_whole(tmp_path_factory, landing: LandingSet):
    root = tmp_path_factory.mktemp("landing")
    landing.write(root)
    with duckdb.connect(str(root / "w.duckdb")) as con:
        ensure_schema(con)
        results = {r.file_path: r for t in c.TABLES for r in load_table(con, t, root)}
        assert sorted(results) == sorted(f.rel_path for f in landing.files)
        for f in landing.files:
            res = results[f.rel_path]
            if f.resent_of:
                assert res.status == "duplicate", (f.rel_path, res)
                continue
            quarantined = con.execute(
                "select row_number, column_name, reason, bad_value, detail from raw._quarantine "
                "where file_path = ?",
                [f.rel_path],
            ).fetchall()
            assert (res.status, res.error, quarantined) == ("loaded", None, []), f.rel_path
            assert (res.rows_in, res.rows_loaded) == (len(f.rows), len(f.rows)), f.rel_path
            types = {col.name: col.type for col in CONTRACT[f.table]}
            cols = [col for col in f.columns() if types[col] in (ID, TEXT)]
            if cols:
                select = ", ".join(f"nullif(\"{col}\", '')" for col in cols)
                raw = con.execute(
                    f"select {select} from raw.{f.table.replace('/', '__')} where _file_path = ?",
                    [f.rel_path],
                ).fetchall()
                assert sort_rows(raw) == f.expected_text(), f.rel_path
