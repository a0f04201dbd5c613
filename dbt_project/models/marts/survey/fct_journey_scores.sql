{#- NPS, CES and CSAT per month, journey stage and touchpoint, with the
    additive parts (counts and sums) so any roll-up stays exact. Survey-gaming
    suspects (fct_survey_responses.is_gaming_suspect) are left out of every
    score and counted on their own (the *_gaming_suspect columns), so the NPS
    including them can be rebuilt exactly. -#}
with

responses as (

    select
        submitted_month,
        coalesce(journey_stage, 'unknown') as journey_stage,
        coalesce(touchpoint, 'unknown') as touchpoint,
        survey_type,
        coalesce(is_gaming_suspect, false) as is_gaming_suspect,
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
        sum(case when is_gaming_suspect then 0 else 1 end) as n_responses,
        sum(case when is_gaming_suspect then 0 else has_nps end) as n_nps_answers,
        sum(case when is_gaming_suspect then 0 else is_promoter end) as n_promoters,
        sum(case when is_gaming_suspect then 0 else is_detractor end) as n_detractors,
        count(case when not is_gaming_suspect then ces_score end) as n_ces_answers,
        sum(case when not is_gaming_suspect then ces_score end) as ces_sum,
        count(case when not is_gaming_suspect then csat_score end) as n_csat_answers,
        sum(case when not is_gaming_suspect then csat_score end) as csat_sum,
        sum(case when is_gaming_suspect then has_nps else 0 end) as n_nps_answers_gaming_suspect,
        sum(case when is_gaming_suspect then is_promoter else 0 end) as n_promoters_gaming_suspect,
        sum(case when is_gaming_suspect then is_detractor else 0 end) as n_detractors_gaming_suspect
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
    case when n_csat_answers > 0 then 1.0 * csat_sum / n_csat_answers end as csat_mean,
    {{ cx_count('n_nps_answers_gaming_suspect') }} as n_nps_answers_gaming_suspect,
    {{ cx_count('n_promoters_gaming_suspect') }} as n_promoters_gaming_suspect,
    {{ cx_count('n_detractors_gaming_suspect') }} as n_detractors_gaming_suspect
from summed
