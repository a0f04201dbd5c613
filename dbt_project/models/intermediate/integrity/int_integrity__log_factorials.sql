{#- log(n!) for n = 0 .. var cx_integrity.max_binomial_n: the building block of
    the exact binomial tails used by the integrity tests (cx_binomial_tail). -#}
{{ cx_log_factorials() }}
