{#- Public-opinion helpers (dbt_project/models/marts/public_opinion/). -#}

{#- Net sentiment = (positive - negative) / mentions, null without mentions. -#}
{% macro po_net_sentiment(positive, negative, mentions) -%}
    case when {{ mentions }} > 0
        then cast({{ positive }} - {{ negative }} as {{ po_type_double() }}) / {{ mentions }}
    end
{%- endmacro %}

{#- A double-precision float (dbt.type_float() is 32-bit on DuckDB). -#}
{% macro po_type_double() -%}
    {{ return(adapter.dispatch('po_type_double', 'cx_warehouse')()) }}
{%- endmacro %}

{% macro default__po_type_double() -%}double{%- endmacro %}

{% macro postgres__po_type_double() -%}double precision{%- endmacro %}

{#- Reach weight of a post: author-type weight x (1 + weighted engagement);
    weights are the vars cx_po_author_weights and cx_po_reach_weights. -#}
{% macro po_reach_weight(author_type, likes, shares, comments) -%}
    {%- set authors = var('cx_po_author_weights') -%}
    {%- set reach = var('cx_po_reach_weights') -%}
    cast(
        case {{ author_type }}
        {%- for kind, weight in authors.items() if kind != 'unknown' %}
            when '{{ kind }}' then {{ weight }}
        {%- endfor %}
            else {{ authors.get('unknown', 1.0) }}
        end
        * (1 + {{ reach['likes'] }} * {{ likes }} + {{ reach['shares'] }} * {{ shares }}
            + {{ reach['comments'] }} * {{ comments }})
    as {{ po_type_double() }})
{%- endmacro %}
