{#- The table account managers and the CX team record alert handling in
    (an app, a CRM export or plain SQL inserts): created empty on the first
    build so the alert queue can read it before anyone has acted. Not on the
    read-only reader target. -#}
{% macro cx_ensure_alert_actions() -%}
    {%- if target.name != 'reader' -%}
    create schema if not exists closed_loop;
    create table if not exists closed_loop.alert_actions (
        alert_id {{ dbt.type_string() }},
        action {{ dbt.type_string() }},
        acted_at {{ dbt.type_timestamp() }},
        acted_by {{ dbt.type_string() }},
        note {{ dbt.type_string() }},
        root_cause {{ dbt.type_string() }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
