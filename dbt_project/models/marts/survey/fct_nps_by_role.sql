{#- NPS by buying role per quarter over each contact's latest relationship
    answer (the account NPS inputs), with n and a 95% interval. -#}
with

answers as (

    select
        quarter_start,
        buying_role,
        role_weight,
        is_promoter,
        is_detractor
    from {{ ref('int_survey__account_answers') }}

),

summed as (

    select
        quarter_start,
        buying_role,
        max(role_weight) as role_weight,
        count(*) as n_answers,
        sum(is_promoter) as n_promoters,
        sum(is_detractor) as n_detractors
    from answers
    group by quarter_start, buying_role

)

select
    quarter_start,
    buying_role,
    role_weight,
    {{ cx_count('n_answers') }} as n_answers,
    {{ cx_count('n_promoters') }} as n_promoters,
    {{ cx_count('n_detractors') }} as n_detractors,
    {{ cx_nps('n_promoters', 'n_detractors', 'n_answers') }} as nps,
    {{ cx_nps('n_promoters', 'n_detractors', 'n_answers') }}
        - 1.96 * {{ cx_nps_se('n_promoters', 'n_detractors', 'n_answers') }} as nps_ci_low,
    {{ cx_nps('n_promoters', 'n_detractors', 'n_answers') }}
        + 1.96 * {{ cx_nps_se('n_promoters', 'n_detractors', 'n_answers') }} as nps_ci_high
from summed
