{#- A double-precision float: dbt.type_float() is 32-bit on DuckDB. -#}
{% macro cx_type_double() -%}
    {{ return(adapter.dispatch('cx_type_double', 'cx_warehouse')()) }}
{%- endmacro %}

{% macro default__cx_type_double() -%}double{%- endmacro %}

{% macro postgres__cx_type_double() -%}double precision{%- endmacro %}

{#- Counts and money keep one declared type on every adapter (sums widen them). -#}
{% macro cx_count(expression) -%}
    cast({{ expression }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro cx_money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{% macro spark__cx_type_double() -%}double{%- endmacro %}
