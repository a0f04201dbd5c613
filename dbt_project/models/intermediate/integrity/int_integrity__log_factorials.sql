{#- log(n!) for n = 0 .. var cx_integrity.max_binomial_n: the building block of
    the exact binomial tails used by the integrity tests (cx_binomial_tail). -#}
{#- No input of its own: built with the staging models (the depends_on below) rather
    than in a dbt invocation of its own, which costs ~10 s of start-up per build. -#}
-- depends_on: {{ ref('stg_fulfillment__orders') }}
{{ cx_log_factorials() }}
