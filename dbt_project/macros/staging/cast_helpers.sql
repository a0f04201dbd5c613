{#- Typing helpers for staging. Raw keeps landing values as text; these turn
    them into typed columns. Everything is portable SQL except timestamp zone
    handling, which is dispatched per adapter. -#}

{% macro cx_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A nullable descriptive attribute that facts are grouped and joined by
    (an order's business unit, product category). The contract lets it be
    empty; staging gives the empty value an explicit member so every group,
    join and key downstream sees one well-defined value instead of NULL
    (README, "Null-safe by convention"). -#}
{% macro cx_dim(column, member='unknown') -%}
    coalesce(nullif(trim({{ column }}), ''), '{{ member }}')
{%- endmacro %}

{% macro cx_code(column) -%}
    lower(nullif(trim({{ column }}), ''))
{%- endmacro %}

{% macro cx_date(column) -%}
    cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{% macro cx_int(column) -%}
    cast(nullif(trim({{ column }}), '') as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro cx_num(column, precision=18, scale=2) -%}
    cast(nullif(trim({{ column }}), '') as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro cx_bool(column) -%}
    case
        when lower(trim({{ column }})) in ('true', '1', 'yes', 'y', 't', '是') then true
        when lower(trim({{ column }})) in ('false', '0', 'no', 'n', 'f', '否') then false
    end
{%- endmacro %}

{#- Landing timestamps come with a zone (`Z`, `+08:00`) or without one (local
    time, var cx_local_timezone). Staging gives every timestamp as local wall
    time, the clock deliveries and promises are judged by. -#}
{% macro cx_local_ts(column) -%}
    {{ return(adapter.dispatch('cx_local_ts', 'cx_warehouse')(column)) }}
{%- endmacro %}

{% macro default__cx_local_ts(column) -%}
    case
        when regexp_matches(trim({{ column }}), '\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$')
            then timezone('{{ var("cx_local_timezone") }}', cast(trim({{ column }}) as timestamptz))
        else cast(nullif(trim({{ column }}), '') as timestamp)
    end
{%- endmacro %}

{% macro spark__cx_local_ts(column) -%}
    case
        when trim({{ column }}) rlike '\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)$'
            then from_utc_timestamp(to_timestamp(trim({{ column }})), '{{ var("cx_local_timezone") }}')
        else to_timestamp(nullif(trim({{ column }}), ''))
    end
{%- endmacro %}
