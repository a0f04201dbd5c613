{#- Incremental staging of the largest sources (orders, deliveries, confirmations,
    invitations, responses). A build casts only the raw rows loaded since the
    newest row the table holds, and re-decides the latest version of each record
    those rows touch together with the version already staged: the result is the
    table a rebuild from every raw row gives (cx_latest_version orders versions by
    their content, never by load order), at the cost of the new rows.

    A staged table is rebuilt whole instead (cx_refresh_stale_incremental, run at
    the start of every dbt invocation) when an incremental pass cannot be right:
    - a load it holds rows of is gone from raw (`python -m ingest.retract`, or a
      SQL extraction superseded by a re-read of the same range): rows can only be
      taken away by a rebuild;
    - its code changed: the model's SQL, a macro it calls, or the local time zone
      its timestamps are read in (cx_code_version, kept in the table's comment). -#}

{#- The config of each of these models; `keys`: its record key. -#}
{% macro cx_incremental_staging_config(keys) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='cx_replace_keys',
        unique_key=keys,
        post_hook="{{ cx_mark_code_version() }}",
    ) }}
{%- endmacro %}

{#- New rows by their load time: a build's loads all end before its dbt step runs, so
    every row loaded since the last pass is later than any row that pass staged (a row
    that lost to a staged version is not there, and is read again: harmless). -#}
{% macro cx_raw_since_last_build() -%}
    {%- if is_incremental() %}
    where _loaded_at > (
        select coalesce(max(loaded_at), cast('1900-01-01' as timestamp)) from {{ this }}
    )
    {%- endif %}
{%- endmacro %}

{#- Whether a row of `staged` has the key of a row of `arrived_relation` (NULL-safe). -#}
{% macro cx_key_arrived(arrived_relation, key_columns) -%}
    exists (
        select 1 from {{ arrived_relation }} as arrived
        where
        {%- for key in key_columns %}
            arrived.{{ key }} is not distinct from staged.{{ key }}{{ " and" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The arrived rows and, for every record they touch, the version already staged. -#}
{% macro cx_with_staged_versions(relation, key_columns) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    union all
    select * from {{ this }} as staged
    where {{ cx_key_arrived(relation, key_columns) }}
    {%- endif %}
{%- endmacro %}

{#- incremental_strategy='cx_replace_keys': delete+insert on the unique key with
    NULL-safe equality (dbt's delete+insert matches keys with `=`, so a record whose
    key holds a NULL would be inserted again on every pass). -#}
{% macro get_incremental_cx_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set source = arg_dict["temp_relation"] -%}
    {%- set keys = arg_dict["unique_key"] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ target }} as staged
    where {{ cx_key_arrived(source, keys) }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}

{#- The code a staged table was built by: its SQL, every macro of this project it
    calls (and they call, and the adapter variants they dispatch to), the dbt version
    (dbt's own macros), and the time zone local timestamps are read in. (`graph` has
    no macros: they are found by name in the rendering context.) -#}
{% macro cx_code_version(node) -%}
    {%- set seen = [] -%}
    {%- set pending = node.depends_on.macros | list -%}
    {%- set parts = [node.raw_code, var("cx_local_timezone"), dbt_version] -%}
    {#- Jinja has no while loop: a bounded for over a growing list. -#}
    {%- for _ in range(1000) -%}
        {%- if pending -%}
            {%- set unique_id = pending.pop(0) -%}
            {%- set name = unique_id.split(".")[-1] -%}
            {%- if unique_id not in seen and unique_id.split(".")[1] == project_name -%}
                {%- do seen.append(unique_id) -%}
                {%- for candidate in [name, "default__" ~ name, adapter.type() ~ "__" ~ name] -%}
                    {%- set generator = context.get(candidate) -%}
                    {%- if generator is not none and generator.macro is defined -%}
                        {%- do parts.append(candidate ~ "\n" ~ generator.macro.macro_sql) -%}
                        {%- do pending.extend(generator.macro.depends_on.macros) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{- local_md5(parts | join("\n")) -}}
{%- endmacro %}

{#- post_hook of each incremental model: the code version it was built by. -#}
{% macro cx_mark_code_version() -%}
    comment on table {{ this }} is 'cx_code_version={{ cx_code_version(model) }}'
{%- endmacro %}

{% macro cx_table_comment(relation) -%}
    {{ return(adapter.dispatch('cx_table_comment', 'cx_warehouse')(relation)) }}
{%- endmacro %}

{% macro default__cx_table_comment(relation) -%}
    {%- set rows = run_query(
        "select comment from duckdb_tables() where database_name = '" ~ relation.database
        ~ "' and schema_name = '" ~ relation.schema ~ "' and table_name = '"
        ~ relation.identifier ~ "'"
    ) -%}
    {{- return(rows.columns[0].values()[0] if rows.rows | length else none) -}}
{%- endmacro %}

{#- Whether a staged table holds rows of a load its source no longer has. -#}
{% macro cx_holds_removed_loads(relation, source_relation) -%}
    {%- set rows = run_query(
        "select count(*) from (select distinct source_file_path, loaded_at from "
        ~ relation ~ ") as staged where not exists (select 1 from " ~ source_relation
        ~ " as r where r._file_path is not distinct from staged.source_file_path"
        ~ " and r._loaded_at = staged.loaded_at)"
    ) -%}
    {{- return(rows.columns[0].values()[0] > 0) -}}
{%- endmacro %}

{#- on-run-start: drop the incremental tables of this invocation that must be rebuilt
    whole (see the top of this file); dbt then builds them as new tables. -#}
{% macro cx_refresh_stale_incremental() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == "model"
            and node.config.materialized == "incremental"
            and node.unique_id in selected_resources -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is not none -%}
                {#- A list: what a Jinja loop sets does not outlive the loop. -#}
                {%- set reasons = [] -%}
                {%- if cx_table_comment(relation) != "cx_code_version=" ~ cx_code_version(node) -%}
                    {%- do reasons.append("its code changed") -%}
                {%- else -%}
                    {%- for source_id in node.depends_on.nodes if source_id.startswith("source.") -%}
                        {%- set src = graph.sources[source_id] -%}
                        {%- set source_relation = adapter.get_relation(src.database, src.schema, src.identifier) -%}
                        {%- if not reasons and source_relation is not none
                            and cx_holds_removed_loads(relation, source_relation) -%}
                            {%- do reasons.append("a load it holds is gone from " ~ source_relation) -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endif -%}
                {%- if reasons -%}
                    {{- log("rebuilding " ~ relation ~ " whole: " ~ reasons[0], info=true) -}}
                    {#- The checks above opened a transaction (run_query): the drop must be
                        committed in it, or it is rolled back when the hook's connection
                        is released while dbt's cache already forgot the table. -#}
                    {%- do run_query("select 1") -%}
                    {%- do adapter.drop_relation(relation) -%}
                    {%- do adapter.commit() -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
