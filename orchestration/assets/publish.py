"""The last step of a build: publish the marts as a read-only snapshot, if the run earned it.

`with_publish(assets)` (used by orchestration/definitions.py) appends the asset
`published/cx_snapshot`, which depends on every other asset of the code
location, so it runs after all of them and their checks. It publishes only
when the gate in orchestration/publishing.py says so (fail closed): every check
of every upstream asset evaluated in this run, none failed with ERROR severity
or as blocking, every published mart was built in this run, and the quality
package reports no failed blocking check. Otherwise it raises, the run fails,
and the last good snapshot stays where it is.
"""

from collections.abc import Sequence

import dagster as dg

from cx_settings import load_settings
from orchestration import publishing
from orchestration.resources import WarehouseResource
from orchestration.settings import PROJECT_ROOT

PUBLISH_KEY = dg.AssetKey(["published", "cx_snapshot"])
# What MetricFlow reads (semantic models, time spine), from the parsed project.
SEMANTIC_MANIFEST = PROJECT_ROOT / "target" / "semantic_manifest.json"
PUBLISHED_GROUPS = frozenset({"marts", "utilities"})


def _key_str(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _run_evidence(context: dg.AssetExecutionContext):
    """Check evaluations and materializations recorded so far in this run."""
    records = context.instance.all_logs(
        context.run_id,
        of_type={
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
        },
    )
    outcomes: list[publishing.CheckOutcome] = []
    materialized: set[str] = set()
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            outcomes.append(
                publishing.CheckOutcome(
                    asset=_key_str(ev.asset_key),
                    name=ev.check_name,
                    passed=bool(ev.passed),
                    severity=ev.severity.value,
                    blocking=bool(ev.blocking),
                )
            )
        elif event.asset_key is not None:
            materialized.add(_key_str(event.asset_key))
    return outcomes, materialized


def _expected_checks(context: dg.AssetExecutionContext, upstream: set[dg.AssetKey]) -> list[str]:
    """Checks that must have run before this step: those executed with an upstream asset
    (dbt tests, ingest ledger checks) and every blocking check on an upstream asset.
    The publish asset depends directly on every other asset, so `upstream` is all of them."""
    # The job's own asset graph (in-process runs have no repository on the context).
    graph = context.job_def.asset_layer.asset_graph
    expected: set[str] = set()
    for check_key in graph.asset_check_keys:
        if check_key.asset_key not in upstream:
            continue
        in_step = check_key in graph.get_execution_set_asset_and_check_keys(check_key.asset_key)
        if in_step or graph.get_check_spec(check_key).blocking:
            expected.add(f"{_key_str(check_key.asset_key)}:{check_key.name}")
    return sorted(expected)


def _quality_failures(warehouse: WarehouseResource, run_id: str) -> list[str]:
    """The quality package's verdict on this run (quality.check_results, quality/results.py):
    its failed blocking checks, or a reason when this run recorded no results (no evidence,
    no publishing)."""
    try:
        from quality.results import blocking_checks_passed
    except ImportError:  # a checkout without the quality-results store: the gate's own rules
        return []

    with warehouse.connect(read_only=True) as con:
        status = blocking_checks_passed(con, run_id)
    if status.passed:
        return []
    return list(status.failed_blocking) or [f"no quality check results recorded for run {run_id}"]


def _published_keys(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    return sorted(
        {spec.key for a in assets for spec in a.specs if spec.group_name in PUBLISHED_GROUPS},
        key=_key_str,
    )


def build_publish_asset(assets: Sequence[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    upstream = sorted({spec.key for a in assets for spec in a.specs}, key=_key_str)
    required = [_key_str(k) for k in _published_keys(assets)]

    @dg.asset(
        key=PUBLISH_KEY,
        deps=upstream,
        group_name="published",
        kinds={"duckdb"},
        description=(
            "Copies schema `marts` (marts + MetricFlow time spine) into a new DuckDB file, "
            "swapped in atomically (temp file + os.replace), with a manifest. Runs only if "
            "every upstream check of this run passed; the last good snapshot stays otherwise. "
            "Path: setting paths.published_path (CX_PUBLISHED_PATH)."
        ),
    )
    def cx_snapshot(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        outcomes, materialized = _run_evidence(context)
        decision = publishing.gate(
            outcomes,
            expected_checks=_expected_checks(context, set(upstream)),
            required_assets=required,
            materialized_assets=materialized,
            external_failures=_quality_failures(warehouse, context.run_id),
        )
        target = load_settings().paths.published_path
        if not decision.publish:
            context.log.error("not publishing: " + "; ".join(decision.reasons))
            raise dg.Failure(
                description="Snapshot not published (fail closed); the last good one is kept.",
                metadata={
                    "reasons": dg.MetadataValue.json(decision.reasons),
                    "published_path": str(target),
                },
            )
        manifest = publishing.publish_snapshot(
            warehouse.database,
            target,
            extra_relations=publishing.metricflow_relations(SEMANTIC_MANIFEST),
            manifest={
                "run_id": context.run_id,
                "job_name": context.job_name,
                "checks_passed": decision.checks_passed,
                "checks_failed_warn": decision.checks_failed_warn,
                "source_assets_built": sorted(materialized),
            },
        )
        context.log.info(f"published {len(manifest['tables'])} tables to {target}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "published_at": manifest["published_at"],
                "tables": len(manifest["tables"]),
                "row_counts": dg.MetadataValue.json(manifest["row_counts"]),
                "checks_passed": decision.checks_passed,
                "checks_failed_warn": dg.MetadataValue.json(decision.checks_failed_warn),
            }
        )

    return cx_snapshot


def with_publish(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The given assets plus the publish step downstream of all of them."""
    return [*assets, build_publish_asset(assets)]
