"""One place for configuration (cx_settings): resolution order, no environment
written on import, one default per setting, docs equal to the code."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
import yaml

import cx_settings as cs
from cx_settings import PROJECT_ROOT, SettingsError, dbt_vars, defaults, load_settings, resolve
from cx_settings import dbt as cx_dbt

# The project's own packages (pyproject [tool.setuptools.packages.find]).
PACKAGES = (
    "cx_settings",
    "orchestration",
    "ingest",
    "simworld",
    "quality",
    "identity",
    "dashboard",
    "enrichment",
)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cx.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ resolution order


def test_environment_beats_file_beats_default(tmp_path):
    file = _toml(
        tmp_path,
        '[marts]\nalert_sla_hours = 4\npo_top_keywords = 20\n[engine]\nsql_memory_limit = "2GB"\n',
    )
    env = {"CX_ALERT_SLA_HOURS": "8"}
    s = resolve(env, file)
    assert s.marts.alert_sla_hours == 8  # env over file
    assert s.marts.po_top_keywords == 20  # file over default
    assert s.engine.sql_memory_limit == "2GB"
    assert s.marts.health_window_months == defaults().marts.health_window_months  # default
    assert resolve({}, None).marts.alert_sla_hours == 2


def test_paths_derive_from_the_data_dir_and_relative_paths_have_a_base(tmp_path):
    file = _toml(tmp_path, '[paths]\ndata_dir = "store"\n')
    s = resolve({}, file)
    assert s.paths.data_dir == tmp_path / "store"  # relative to the file
    assert s.paths.duckdb_path == tmp_path / "store" / "warehouse.duckdb"
    assert s.paths.published_path.parent == tmp_path / "store" / "published"
    elsewhere = tmp_path / "cwd"
    s = resolve({"CX_DATA_DIR": "d", "CX_DUCKDB_PATH": "/abs/w.duckdb"}, file, cwd=elsewhere)
    assert s.paths.data_dir == elsewhere / "d"  # relative to the working directory
    assert s.paths.landing_dir == elsewhere / "d" / "landing"
    assert s.paths.duckdb_path == Path("/abs/w.duckdb")  # explicit beats derived
    assert resolve({"DAGSTER_HOME": "/h"}, None).paths.dagster_home == Path("/h")


def test_mappings_merge_key_by_key_and_typos_are_errors(tmp_path):
    file = _toml(tmp_path, "[marts.integrity]\nalpha_fail = 0.01\n")
    s = resolve({"CX_HEALTH_WEIGHTS": '{"renewal": 0.2}'}, file)
    assert s.marts.integrity["alpha_fail"] == 0.01
    assert s.marts.integrity["alpha_suspect"] == defaults().marts.integrity["alpha_suspect"]
    assert s.marts.health_weights["renewal"] == 0.2
    assert s.marts.health_weights["account_nps"] == defaults().marts.health_weights["account_nps"]
    with pytest.raises(SettingsError, match="unknown keys"):
        resolve({"CX_INTEGRITY": '{"alpha_fial": 0.01}'}, None)
    with pytest.raises(SettingsError, match="unknown settings"):
        resolve({}, _toml(tmp_path, "[marts]\nalert_sla_hour = 3\n"))
    with pytest.raises(SettingsError, match="unknown sections"):
        resolve({}, _toml(tmp_path, "[mart]\nalert_sla_hours = 3\n"))
    with pytest.raises(SettingsError, match="not one of"):
        resolve({"CX_IDENTITY_BACKEND": "sqlite"}, None)
    with pytest.raises(SettingsError, match="CX_ALERT_SLA_HOURS"):
        resolve({"CX_ALERT_SLA_HOURS": "2.5"}, None)


def test_types_are_converted(tmp_path):
    s = resolve(
        {"CX_ENCODINGS": "gb18030, cp1252", "CX_EARLIEST_DATE": "1990-01-01", "CX_FILE_GROUP": ""},
        None,
    )
    assert s.ingest.encodings == ("gb18030", "cp1252")
    assert s.ingest.earliest_date == date(1990, 1, 1)
    assert s.operations.file_group is None
    file = _toml(tmp_path, "[ingest]\nearliest_date = 1995-06-01\nencodings = ['utf_16']\n")
    assert resolve({}, file).ingest.earliest_date == date(1995, 6, 1)
    assert resolve({}, file).ingest.encodings == ("utf_16",)


def test_load_settings_follows_the_environment_and_the_file(monkeypatch, tmp_path):
    for name in cs.ENV_NAMES:  # e.g. the session build's CX_DUCKDB_PATH
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "a"))
    assert load_settings().paths.duckdb_path == tmp_path / "a" / "warehouse.duckdb"
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "b"))
    assert load_settings().paths.duckdb_path == tmp_path / "b" / "warehouse.duckdb"
    file = _toml(tmp_path, "[marts]\npo_spike_z = 4\n")
    monkeypatch.setenv("CX_SETTINGS_FILE", str(file))
    assert load_settings().marts.po_spike_z == 4
    file.write_text("[marts]\npo_spike_z = 5.5\n", encoding="utf-8")
    os.utime(file, ns=(1, 1))  # a new modification stamp, whatever the clock's resolution
    assert load_settings().marts.po_spike_z == 5.5
    monkeypatch.setenv("CX_SETTINGS_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError, match="no such file"):
        load_settings()


def test_the_suite_runs_on_its_own_settings_file(test_settings):
    assert os.environ["CX_SETTINGS_FILE"] == str(test_settings)
    assert load_settings().ingest.landing_settle_seconds == 0


# ------------------------------------------------------------------------ dbt


def test_dbt_gets_every_marts_setting_as_a_var_and_the_profile_from_the_environment():
    s = resolve({"CX_PO_SPIKE_Z": "4"}, None)
    args = cx_dbt.with_vars(["build", "--select", "x", "--vars", "{cx_po_top_keywords: 7}"], s)
    assert args[:3] == ["build", "--select", "x"] and args[3] == "--vars"
    passed = json.loads(args[4])
    assert passed["cx_po_spike_z"] == 4.0  # from the settings
    assert passed["cx_po_top_keywords"] == 7  # the command line wins
    assert passed["cx_local_timezone"] == s.operations.local_timezone
    assert {f"cx_{f.name}" for f in fields(cs.Marts)} <= set(passed)
    assert cx_dbt.with_vars(["--version"], s) == ["--version"]
    env = cx_dbt.subprocess_env(s, {"DBT_INDIRECT_SELECTION": "empty"})
    assert env["CX_DUCKDB_PATH"] == str(s.paths.duckdb_path)
    assert env["DBT_INDIRECT_SELECTION"] == "empty"  # Dagster's choice is kept
    assert cx_dbt.subprocess_env(s, {})["DBT_INDIRECT_SELECTION"] == "buildable"


def test_every_var_the_models_read_is_a_setting():
    """A var in SQL that no setting passes would fail at run time; catch it here."""
    used = set()
    for path in (PROJECT_ROOT / "dbt_project").rglob("*.sql"):
        used |= set(re.findall(r"""var\(\s*['"](\w+)['"]""", path.read_text(encoding="utf-8")))
    assert used and used <= set(dbt_vars(defaults())), used - set(dbt_vars(defaults()))


# ------------------------------------------------------- nothing set on import


def _project_modules() -> list[str]:
    import pkgutil

    names = []
    for package in PACKAGES:
        names.append(package)
        path = [str(PROJECT_ROOT / package)]
        for info in pkgutil.walk_packages(path, prefix=package + "."):
            # __main__ modules run a CLI; dashboard.app is a Streamlit script (runs on import).
            if info.name.endswith("__main__") or info.name == "dashboard.app":
                continue
            names.append(info.name)
    return names


def test_no_project_module_sets_the_environment_on_import():
    """Import every module of the project in a fresh interpreter; os.environ must be
    the same afterwards. Libraries are imported first, so a change is ours."""
    script = f"""
import importlib, json, os, sys
for lib in ("dagster", "dagster_dbt", "duckdb", "pandas", "splink", "yaml", "sqlalchemy",
            "great_expectations", "streamlit", "jieba", "vaderSentiment", "pypinyin"):
    try:
        importlib.import_module(lib)
    except Exception:
        pass
changed = {{}}
for name in {_project_modules()!r}:
    before = dict(os.environ)
    importlib.import_module(name)
    after = dict(os.environ)
    diff = {{k: after.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}}
    if diff:
        changed[name] = diff
print(json.dumps(changed))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CX_", "DBT_"))}
    env.pop("DAGSTER_HOME", None)
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {}


def test_the_import_check_catches_a_module_that_sets_the_environment(tmp_path):
    """The check above can fail: a module with os.environ.setdefault at top level."""
    (tmp_path / "bad_module.py").write_text("import os\nos.environ.setdefault('CX_X', '1')\n")
    script = (
        "import importlib, os, sys; sys.path.insert(0, sys.argv[1]); before = dict(os.environ);"
        " importlib.import_module('bad_module'); print(dict(os.environ) != before)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


# --------------------------------------------------------- one default per setting


def _code_files() -> list[Path]:
    """Project source that could carry a default: Python outside the tests and
    cx_settings, YAML, SQL, the Makefile and TOML at the root."""
    out = []
    for package in PACKAGES:
        if package != "cx_settings":
            out += sorted((PROJECT_ROOT / package).rglob("*.py"))
            out += sorted((PROJECT_ROOT / package).rglob("*.yml"))
    out += sorted((PROJECT_ROOT / "dbt_project").rglob("*.sql"))
    out += sorted((PROJECT_ROOT / "dbt_project").rglob("*.yml"))
    out += [PROJECT_ROOT / n for n in ("Makefile", "profiles.yml", "dbt_project.yml")]
    return out


def _strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a Python file, docstrings left out (they document)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def _path_lines(path: Path) -> set[int]:
    """Lines that build a path: Path(...) calls and `/` joins."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = set()
    for node in ast.walk(tree):
        is_path_call = isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Path"
        if is_path_call or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
            lines.add(node.lineno)
    return lines


def _uncommented(path: Path) -> list[tuple[int, str]]:
    comment = "--" if path.suffix == ".sql" else "#"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(i, line.split(comment, 1)[0]) for i, line in enumerate(lines, 1)]


def _default_path_names() -> set[str]:
    """The file and folder names of the path settings' defaults (warehouse.duckdb ...)."""
    d = defaults().paths
    return {getattr(d, f.name).name for f in fields(cs.Paths)} - {"data", "landing"}


def default_violations(files: list[Path]) -> list[str]:
    """Where a setting's default or its environment variable appears outside cx_settings."""
    env_names = cs.ENV_NAMES - {"DAGSTER_HOME"}
    names = _default_path_names()
    found = []
    for path in files:
        where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        if path.suffix == ".py":
            paths = _path_lines(path)
            for line, text in _strings(path):
                if text in env_names:
                    found.append(f"{where}:{line}: reads setting variable {text}")
                if any(text.endswith(n) for n in names) or (text == "data" and line in paths):
                    found.append(f"{where}:{line}: default path {text!r}")
            continue
        for line, text in _uncommented(path):
            if re.search(r"env_var\(\s*'[^']+'\s*,", text):
                found.append(f"{where}:{line}: env_var with a default")
            if re.search(r"""\bvar\(\s*['"]\w+['"]\s*,""", text):
                found.append(f"{where}:{line}: var with a default")
            # A make variable (not a recipe's one-command override) exported to everything.
            if re.search(r"^(export\s+)?(CX_\w+|DAGSTER_HOME)\s*[:?+]?=", text):
                found.append(f"{where}:{line}: Makefile sets a setting")
            if any(re.search(rf"[\w/.]*{re.escape(n)}\b", text) for n in names):
                found.append(f"{where}:{line}: default path in {text.strip()!r}")
    return found


def test_each_default_is_written_once_in_cx_settings():
    assert default_violations(_code_files()) == []


def test_the_default_check_finds_a_second_default(tmp_path):
    """The check above can fail: each kind of second default is found."""
    py = tmp_path / "mod.py"
    py.write_text(
        '"""Docs may name CX_DUCKDB_PATH and data/warehouse.duckdb."""\n'
        "import os\n"
        'p = os.environ.get("CX_DUCKDB_PATH", "data/warehouse.duckdb")\n'
        'sheet = {"title": "data"}\n'
        'root = ROOT / "data"\n'
    )
    sql = tmp_path / "m.sql"
    sql.write_text("-- var('x', 1) in a comment is fine\nselect {{ var('cx_po_spike_z', 3) }}\n")
    profiles = tmp_path / "profiles.yml"
    profiles.write_text("path: \"{{ env_var('CX_DUCKDB_PATH', 'data/warehouse.duckdb') }}\"\n")
    make = tmp_path / "Makefile"
    make.write_text("export CX_DATA_DIR ?= $(CURDIR)/data\n")
    found = default_violations([py, sql, profiles, make])
    assert any("mod.py:3: reads setting variable" in f for f in found), found
    assert any("mod.py:3: default path" in f for f in found), found
    assert any("mod.py:5: default path 'data'" in f for f in found), found
    assert not any("mod.py:1" in f or "mod.py:4" in f for f in found), found
    assert [f for f in found if "m.sql" in f] == [f"{sql}:2: var with a default"]
    assert any("profiles.yml:1: env_var with a default" in f for f in found), found
    assert any("Makefile:1: Makefile sets a setting" in f for f in found), found


def test_no_project_yaml_keeps_a_setting_of_its_own():
    """A setting's name as a key in project YAML (matching.yml, lexicon.yml,
    dbt_project.yml vars ...) would be a second place for its value."""
    setting_names = {f.name for _, f in cs.all_fields()}
    var_names = set(dbt_vars(defaults()))
    files = [p for pkg in PACKAGES for p in (PROJECT_ROOT / pkg).rglob("*.yml")]
    files += [PROJECT_ROOT / "dbt_project.yml", PROJECT_ROOT / "profiles.yml"]

    def keys(node) -> set[str]:
        if isinstance(node, dict):
            return set(map(str, node)) | {k for v in node.values() for k in keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in keys(v)}
        return set()

    found = {}
    for path in files:
        clash = keys(yaml.safe_load(path.read_text(encoding="utf-8"))) & (setting_names | var_names)
        if clash:
            found[str(path.relative_to(PROJECT_ROOT))] = sorted(clash)
    assert found == {}
    assert "vars" not in yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())


# ------------------------------------------------------------------------ docs


def test_readme_configuration_table_is_the_settings():
    from cx_settings.__main__ import table

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert table() in readme, "README configuration table: paste `python -m cx_settings table`"


def test_every_setting_has_a_unique_environment_name_and_a_doc():
    names = [cs.env_name(f) for _, f in cs.all_fields()]
    assert len(names) == len(set(names))
    assert all(f.metadata["doc"] for _, f in cs.all_fields())


def test_the_template_is_a_valid_settings_file_that_changes_nothing(tmp_path):
    from cx_settings.__main__ import template

    file = _toml(tmp_path, template())
    assert resolve({}, file) == resolve({}, None)
