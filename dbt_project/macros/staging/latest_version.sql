{#- Keep the latest version of each record: the same record arrives again in
    re-sent or later exports. Ties on the version column (or every version, when
    the table has none) go to the later export (`exported_at`: the time in the
    file name, else the file's modification time), then the file path and the row
    written last in it. Never the load order: the same files loaded in any order
    or batches give the same result. -#}
{% macro cx_latest_version(relation, key_columns, version_columns) -%}
    {{ return(adapter.dispatch('cx_latest_version', 'cx_warehouse')(relation, key_columns, version_columns)) }}
{%- endmacro %}

{% macro cx_version_order(version_columns) -%}
    {%- for col in version_columns %}{{ col }} desc nulls last, {% endfor -%}
    exported_at desc nulls last, source_file_path desc, source_row_number desc
{%- endmacro %}

{#- QUALIFY: DuckDB, Databricks/Spark SQL, Snowflake, BigQuery. -#}
{% macro default__cx_latest_version(relation, key_columns, version_columns) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ cx_version_order(version_columns) }}
    ) = 1
{%- endmacro %}
