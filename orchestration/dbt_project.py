"""The dbt project handle, alone in its module: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` imports it by path,
so it imports nothing from this package (cx_settings is its own package)."""

from pathlib import Path
from typing import Any

from dagster._record import replace
from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from cx_settings import dbt as cx_dbt

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CxDbtCliResource(DbtCliResource):
    """Give it `dbt_executable=cx_dbt.executable()`: cx-dbt runs dbt with the settings
    as its environment (profiles.yml) and vars."""

    # dagster-dbt (0.29, pinned) also loads profiles.yml in this process for an adapter
    # handle that only serves column-metadata fetching, unused here. The profile's
    # values exist only in cx-dbt's environment, so that load would fail (and log a
    # traceback) on every invocation: skip it.
    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None


class CxDbtProjectPreparer(DagsterDbtProjectPreparer):
    """Parses through cx-dbt, as every build runs: profiles.yml has no defaults of its
    own, and a manifest parsed with the build's vars lets the build parse partially."""

    # The parent builds its own DbtCliResource with plain `dbt`; this is its
    # _prepare_manifest (dagster-dbt 0.29, pinned) with the resource swapped.
    def _prepare_manifest(self, project: DbtProject) -> None:
        CxDbtCliResource(project_dir=project, dbt_executable=cx_dbt.executable()).cli(
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()
        self._invalidate_seeds_in_partial_parse(project)


# DbtProject takes no preparer argument; the record's replace swaps it in.
cx_dbt_project = replace(
    DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT),
    preparer=CxDbtProjectPreparer(),
)
cx_dbt_project.prepare_if_dev()
