{#- Keep the latest version of each record: the same record arrives again in
    re-sent or later exports. Ties on the version column go to the file loaded
    last, then the row written last in it. -#}
{% macro cx_latest_version(relation, key_columns, version_columns) -%}
    {{ return(adapter.dispatch('cx_latest_version', 'cx_warehouse')(relation, key_columns, version_columns)) }}
{%- endmacro %}

{% macro cx_version_order(version_columns) -%}
    {%- for col in version_columns %}{{ col }} desc nulls last, {% endfor -%}
    loaded_at desc, source_file_path desc, source_row_number desc
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
