{#- Layer schemas are used as named (`staging`, `marts`), not prefixed with the
    target schema: analysts query `staging.stg_crm__accounts`, on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
