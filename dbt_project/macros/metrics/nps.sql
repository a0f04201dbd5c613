{#- NPS building blocks shared by every mart (docs/metrics.md).
    promoter 9-10, passive 7-8, detractor 0-6; NPS = 100 * (promoters - detractors) / answered. -#}

{% macro cx_nps_category(score) -%}
    case
        when {{ score }} is null then null
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        else 'detractor'
    end
{%- endmacro %}

{#- NPS from counts (or weighted sums); null when nothing was answered. -#}
{% macro cx_nps(promoters, detractors, answered) -%}
    case when {{ answered }} > 0
        then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ answered }}
    end
{%- endmacro %}

{#- Standard error of NPS in points: NPS is the mean of a +1/0/-1 score. -#}
{% macro cx_nps_se(promoters, detractors, answered) -%}
    case when {{ answered }} > 1
        then 100.0 * sqrt(
            ((1.0 * {{ promoters }} + {{ detractors }}) / {{ answered }}
             - power((1.0 * {{ promoters }} - {{ detractors }}) / {{ answered }}, 2))
            / {{ answered }})
    end
{%- endmacro %}

{#- Wilson score interval bound for a proportion (z = 1.96 by default). -#}
{% macro cx_wilson_bound(successes, n, side='lower', z=1.96) -%}
    {%- set sign = '-' if side == 'lower' else '+' -%}
    case when {{ n }} > 0 then
        ((1.0 * {{ successes }} / {{ n }}) + {{ z }} * {{ z }} / (2.0 * {{ n }})
         {{ sign }} {{ z }} * sqrt((1.0 * {{ successes }} / {{ n }}) * (1 - 1.0 * {{ successes }} / {{ n }}) / {{ n }}
                         + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})))
        / (1 + {{ z }} * {{ z }} / {{ n }})
    end
{%- endmacro %}

{#- Buying-role weight from var cx_buying_role_weights; a role the
    configuration does not name weighs like `unknown`. -#}
{% macro cx_role_weight(role) -%}
    {%- set weights = var('cx_buying_role_weights') -%}
    cast(case {{ role }}
    {%- for name, weight in weights.items() %}
        when '{{ name }}' then {{ weight }}
    {%- endfor %}
        else {{ weights.get('unknown', 1.0) }}
    end as {{ cx_type_double() }})
{%- endmacro %}

{#- Fisher-z confidence bound of a Pearson correlation r from n pairs. -#}
{% macro cx_corr_bound(r, n, side='lower', z=1.96) -%}
    {%- set sign = '-' if side == 'lower' else '+' -%}
    case when {{ n }} > 3 and abs({{ r }}) < 1 then
        tanh(atanh({{ r }}) {{ sign }} {{ z }} / sqrt({{ n }} - 3.0))
    end
{%- endmacro %}


{#- Pearson correlation that is NULL, never NaN, where it says nothing: below
    min_n complete pairs (two pairs always correlate +1 or -1), or when either side does
    not vary (DuckDB returns NaN there, which poisons every mean it enters).
    Rounded to 9 places: the float noise of summing in another order must not
    flip a rank or a quadrant between two builds of the same data. -#}
{% macro cx_corr(x, y, min_n=3) -%}
    case
        when sum(case when {{ x }} is not null and {{ y }} is not null then 1 else 0 end) >= {{ min_n }}
            and var_samp(case when {{ y }} is not null then 1.0 * {{ x }} end) > 0
            and var_samp(case when {{ x }} is not null then 1.0 * {{ y }} end) > 0
            then {{ cx_round('corr(1.0 * ' ~ x ~ ', 1.0 * ' ~ y ~ ')', 9) }}
    end
{%- endmacro %}
