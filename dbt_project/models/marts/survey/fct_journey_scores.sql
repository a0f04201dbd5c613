{#- NPS, CES and CSAT per month, journey stage and touchpoint, with the
    additive parts (counts and sums) so any roll-up stays exact. -#}
with

responses as (

    select
        submitted_month,
        coalesce(journey_stage, 'unknown') as journey_stage,
        coalesce(touchpoint, 'unknown') as touchpoint,
        survey_type,
        has_nps,
        is_promoter,
        is_detractor,
        ces_score,
        csat_score
    from {{ ref('fct_survey_responses') }}

),

summed as (

    select
        submitted_month,
        journey_stage,
        touchpoint,
        survey_type,
        count(*) as n_responses,
        sum(has_nps) as n_nps_answers,
        sum(is_promoter) as n_promoters,
        sum(is_detractor) as n_detractors,
        count(ces_score) as n_ces_answers,
        sum(ces_score) as ces_sum,
        count(csat_score) as n_csat_answers,
        sum(csat_score) as csat_sum
    from responses
    group by submitted_month, journey_stage, touchpoint, survey_type

)

select
    submitted_month,
    journey_stage,
    touchpoint,
    survey_type,
    {{ cx_count('n_responses') }} as n_responses,
    {{ cx_count('n_nps_answers') }} as n_nps_answers,
    {{ cx_count('n_promoters') }} as n_promoters,
    {{ cx_count('n_detractors') }} as n_detractors,
    {{ cx_nps('n_promoters', 'n_detractors', 'n_nps_answers') }} as nps,
    {{ cx_count('n_ces_answers') }} as n_ces_answers,
    {{ cx_count('ces_sum') }} as ces_sum,
    case when n_ces_answers > 0 then 1.0 * ces_sum / n_ces_answers end as ces_mean,
    {{ cx_count('n_csat_answers') }} as n_csat_answers,
    {{ cx_count('csat_sum') }} as csat_sum,
    case when n_csat_answers > 0 then 1.0 * csat_sum / n_csat_answers end as csat_mean
from summed
