{#- Fulfillment-integrity helpers: settings and an exact binomial tail in SQL. -#}

{#- Integrity thresholds: var `cx_integrity` (cx_settings, `marts.integrity`,
    each key documented there and in the README, "Fulfillment integrity"). A unit
    test overriding the var names every key it reads. -#}
{% macro cx_integrity(name) %}
    {{- return(var('cx_integrity')[name]) -}}
{% endmacro %}


{#- log(n!) for n = 0 .. max_binomial_n, as a CTE body. -#}
{% macro cx_log_factorials() %}
    select
        0 as n,
        cast(0 as {{ cx_type_double() }}) as log_factorial
    union all
    select
        generated_number as n,
        sum(ln(cast(generated_number as {{ cx_type_double() }}))) over (
            order by generated_number rows between unbounded preceding and current row
        ) as log_factorial
    from ({{ dbt.generate_series(cx_integrity('max_binomial_n')) }}) as series
{% endmacro %}


{#- Exact binomial tail per row of `tests` (a CTE with key columns, trials n,
    successes k and probability p):
      tail='upper' -> P(X >= k), tail='lower' -> P(X <= k), X ~ Binomial(n, p).
    `log_factorials` must be a CTE built with cx_log_factorials(). Rows with
    n null or p null get a null p-value; p = 0 or 1 are handled exactly. -#}
{% macro cx_binomial_tail(tests, key_columns, n, k, p, tail='upper') %}
    select
        {% for c in key_columns %}t.{{ c }}, {% endfor %}
        case
            when max(t.{{ n }}) is null or max(t.{{ p }}) is null then null
            {% if tail == 'upper' -%}
            when max(t.{{ k }}) <= 0 then 1.0
            when max(t.{{ k }}) > max(t.{{ n }}) then 0.0
            when max(t.{{ p }}) >= 1 then 1.0
            when max(t.{{ p }}) <= 0 then 0.0
            {%- else -%}
            when max(t.{{ k }}) >= max(t.{{ n }}) then 1.0
            when max(t.{{ k }}) < 0 then 0.0
            when max(t.{{ p }}) <= 0 then 1.0
            when max(t.{{ p }}) >= 1 then 0.0
            {%- endif %}
            else least(1.0, sum(exp(
                lf_n.log_factorial - lf_i.log_factorial - lf_rest.log_factorial
                + lf_i.n * ln(t.{{ p }}) + (t.{{ n }} - lf_i.n) * ln(1 - t.{{ p }})
            )))
        end as p_value
    from {{ tests }} as t
    left join log_factorials as lf_n
        on lf_n.n = t.{{ n }}
    left join log_factorials as lf_i
        {% if tail == 'upper' -%}
        on lf_i.n between t.{{ k }} and t.{{ n }}
        {%- else -%}
        on lf_i.n between 0 and t.{{ k }}
        {%- endif %}
        and t.{{ p }} > 0 and t.{{ p }} < 1
    left join log_factorials as lf_rest
        on lf_rest.n = t.{{ n }} - lf_i.n
    group by {% for c in key_columns %}t.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
{% endmacro %}


{#- Beta-binomial tail per row of `tests` (key columns, trials n, successes k
    and the Beta parameters a, b of the success probability):
      tail='upper' -> P(X >= k), X ~ BetaBinomial(n, a, b).
    The region-month test draws the reported count from the verified
    (defensible) history's rate as it is KNOWN: estimated from that history's
    own n orders (Jeffreys prior, a = on time + 0.5, b = late + 0.5), so a
    cell with one or two verified orders cannot fail a report on its own, while
    a cell with hundreds behaves like the plain binomial. -#}
{% macro cx_beta_binomial_tail(tests, key_columns, n, k, a, b) %}
    select
        {% for c in key_columns %}t.{{ c }}, {% endfor %}
        case
            when max(t.{{ n }}) is null or max(t.{{ a }}) is null or max(t.{{ b }}) is null
                then null
            when max(t.{{ k }}) <= 0 then 1.0
            when max(t.{{ k }}) > max(t.{{ n }}) then 0.0
            else least(1.0, sum(exp(
                lf_n.log_factorial - lf_i.log_factorial - lf_rest.log_factorial
                + {{ cx_lgamma('lf_i.n + t.' ~ a) }}
                + {{ cx_lgamma('t.' ~ n ~ ' - lf_i.n + t.' ~ b) }}
                - {{ cx_lgamma('t.' ~ n ~ ' + t.' ~ a ~ ' + t.' ~ b) }}
                - {{ cx_lgamma('t.' ~ a) }} - {{ cx_lgamma('t.' ~ b) }}
                + {{ cx_lgamma('t.' ~ a ~ ' + t.' ~ b) }}
            )))
        end as p_value
    from {{ tests }} as t
    left join log_factorials as lf_n
        on lf_n.n = t.{{ n }}
    left join log_factorials as lf_i
        on lf_i.n between t.{{ k }} and t.{{ n }}
    left join log_factorials as lf_rest
        on lf_rest.n = t.{{ n }} - lf_i.n
    group by {% for c in key_columns %}t.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
{% endmacro %}


{#- ln Gamma(x), x > 0. -#}
{% macro cx_lgamma(x) %}
    {{- return(adapter.dispatch('cx_lgamma', 'cx_warehouse')(x)) -}}
{% endmacro %}

{% macro default__cx_lgamma(x) -%}
    lgamma({{ x }})
{%- endmacro %}


{#- An 8-byte float (dbt.type_float() is 4 bytes on DuckDB): p-values and log-factorials need it. -#}
{#- cx_type_double() lives in macros/metrics/types.sql (shared). -#}

