"""The dbt project handle, alone in its module: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` imports it by path,
so it imports nothing from this package."""

from pathlib import Path

from dagster_dbt import DbtProject

PROJECT_ROOT = Path(__file__).resolve().parent.parent

cx_dbt_project = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT)
cx_dbt_project.prepare_if_dev()
