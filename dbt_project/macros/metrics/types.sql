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

{#- round(x, places) on a double: PostgreSQL has it only for numeric. -#}
{% macro cx_round(expression, places) -%}
    {{ return(adapter.dispatch('cx_round', 'cx_warehouse')(expression, places)) }}
{%- endmacro %}

{% macro default__cx_round(expression, places) -%}round({{ expression }}, {{ places }}){%- endmacro %}

{% macro postgres__cx_round(expression, places) -%}
    cast(round(cast({{ expression }} as numeric), {{ places }}) as double precision)
{%- endmacro %}
