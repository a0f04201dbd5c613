"""The dbt project handle, alone in its module: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` imports it by path,
so it imports nothing from this package (cx_settings is its own package)."""

import hashlib
import os
import shutil
from collections.abc import Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from dagster._record import replace
from dagster_dbt import DagsterDbtProjectPreparer, DbtCliInvocation, DbtCliResource, DbtProject
from packaging import version

from cx_settings import dbt as cx_dbt
from cx_settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PARTIAL_PARSE = "partial_parse.msgpack"
# dbt re-parses the whole project (≈ 4-5 s) when the profile's connection values
# differ from those of the parse it finds: every warehouse that is not the default
# (a benchmark's, a test's, a second deployment's) re-parsed on each of a build's dbt
# invocations. A build keeps the parse of its profile here, one file per profile.
PARTIAL_PARSE_CACHE = PROJECT_ROOT / "target" / "partial_parse"


def profile_digest() -> str:
    """What dbt's partial parse depends on outside the project files: the profile's
    environment and the vars."""
    s = load_settings()
    env = sorted(cx_dbt.dbt_env(s).items())
    return hashlib.sha256(repr((env, cx_dbt.vars_json(s))).encode()).hexdigest()[:16]


def cached_parse(digest: str) -> Path:
    return PARTIAL_PARSE_CACHE / f"{digest}.msgpack"


def seed_partial_parse(target_dir: Path, digest: str) -> bool:
    """Put this profile's last parse where dbt looks for it (dagster-dbt then keeps
    it instead of copying the default profile's). dbt checks the file itself and
    re-parses what changed, so a stale one costs a parse, never a wrong manifest."""
    cached = cached_parse(digest)
    if not cached.exists():
        return False
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target_dir / PARTIAL_PARSE)
    return True


def keep_partial_parse(target_dir: Path, digest: str) -> None:
    """Keep the parse an invocation wrote, for the next invocation with this profile.
    Written beside and renamed: builds with the same profile never read half a file."""
    written = target_dir / PARTIAL_PARSE
    if not written.exists():
        return
    PARTIAL_PARSE_CACHE.mkdir(parents=True, exist_ok=True)
    partial = PARTIAL_PARSE_CACHE / f".{digest}.{os.getpid()}.tmp"
    shutil.copyfile(written, partial)
    os.replace(partial, cached_parse(digest))


class CxDbtCliResource(DbtCliResource):
    """Give it `dbt_executable=cx_dbt.executable()`: cx-dbt runs dbt with the settings
    as its environment (profiles.yml) and vars."""

    # dagster-dbt (0.29, pinned) also loads profiles.yml in this process for an adapter
    # handle that only serves column-metadata fetching, unused here. The profile's
    # values exist only in cx-dbt's environment, so that load would fail (and log a
    # traceback) on every invocation: skip it.
    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None

    # dagster-dbt asks `dbt --version` in a subprocess (≈ 2 s) on every invocation,
    # to tell dbt-core from the Fusion engine. cx-dbt runs the dbt-core installed
    # beside this interpreter: its version is known without starting it.
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def cli(
        self, args: Sequence[str], *, target_path: Path | None = None, **kwargs: Any
    ) -> DbtCliInvocation:
        target = target_path or self._get_unique_target_path(context=kwargs.get("context"))
        absolute = target if target.is_absolute() else Path(self.project_dir).joinpath(target)
        seed_partial_parse(absolute, profile_digest())
        return super().cli(args, target_path=target, **kwargs)


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
