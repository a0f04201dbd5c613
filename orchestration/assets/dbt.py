"""dbt models as Dagster assets; dbt tests as asset checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from cx_settings import dbt as cx_dbt
from orchestration.assets.ingest import WRITER_POOL
from orchestration.dbt_project import cx_dbt_project, keep_partial_parse, profile_digest
from orchestration.keys import source_asset_key


class CxDbtTranslator(DagsterDbtTranslator):
    """Sources take the keys of the Python assets that write them (ingest assets,
    identity resolution); models are grouped by layer folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return source_asset_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, layer, ..., model]: the layer folder is the group.
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


translator = CxDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=cx_dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=cx_dbt_project,
    pool=WRITER_POOL,
)
def cx_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    invocation = dbt.cli(list(cx_dbt.BUILD_ARGS), context=context)
    try:
        yield from invocation.stream()
    finally:
        # dbt parsed before it built: its parse serves the build's next invocation.
        keep_partial_parse(invocation.target_path, profile_digest())
