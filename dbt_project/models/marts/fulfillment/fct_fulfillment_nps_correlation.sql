{#- How strongly verified fulfillment moves scene NPS, overall and per
    region: scene NPS of late and of on-time orders with their difference and
    95% interval, and the correlation (point-biserial) between a delivery
    survey's score and its order's verified on-time flag, with a Fisher-z
    95% interval. Unverified orders are left out: their outcome is unknown. -#}
with

answers as (

    select
        order_region,
        nps_score,
        is_promoter,
        is_detractor,
        case when order_outcome = 'on_time' then 1.0 else 0.0 end as on_time_value,
        order_outcome
    from {{ ref('fct_survey_responses') }}
    where survey_type = 'delivery'
        {#- Scene NPS leaves survey-gaming suspects out, as the metric does. -#}
        and not is_gaming_suspect
        and nps_score is not null
        and order_outcome in ('on_time', 'late')

),

scoped as (

    select 'all' as region, nps_score, is_promoter, is_detractor, on_time_value, order_outcome
    from answers
    union all
    select order_region as region, nps_score, is_promoter, is_detractor, on_time_value, order_outcome
    from answers

),

summed as (

    select
        region,
        count(*) as n_answers,
        sum(case when order_outcome = 'on_time' then 1 else 0 end) as n_on_time,
        sum(case when order_outcome = 'on_time' then is_promoter else 0 end) as promoters_on_time,
        sum(case when order_outcome = 'on_time' then is_detractor else 0 end) as detractors_on_time,
        sum(case when order_outcome = 'late' then 1 else 0 end) as n_late,
        sum(case when order_outcome = 'late' then is_promoter else 0 end) as promoters_late,
        sum(case when order_outcome = 'late' then is_detractor else 0 end) as detractors_late,
        {{ cx_corr('nps_score', 'on_time_value') }} as score_on_time_correlation
    from scoped
    group by region

),

final as (

    select
        region,
        {{ cx_count('n_answers') }} as n_answers,
        {{ cx_count('n_on_time') }} as n_on_time,
        {{ cx_nps('promoters_on_time', 'detractors_on_time', 'n_on_time') }} as scene_nps_on_time,
        {{ cx_count('n_late') }} as n_late,
        {{ cx_nps('promoters_late', 'detractors_late', 'n_late') }} as scene_nps_late,
        {{ cx_nps('promoters_on_time', 'detractors_on_time', 'n_on_time') }}
            - {{ cx_nps('promoters_late', 'detractors_late', 'n_late') }} as scene_nps_difference,
        1.96 * sqrt(
            power({{ cx_nps_se('promoters_on_time', 'detractors_on_time', 'n_on_time') }}, 2)
            + power({{ cx_nps_se('promoters_late', 'detractors_late', 'n_late') }}, 2)
        ) as scene_nps_difference_margin,
        score_on_time_correlation,
        {{ cx_corr_bound('score_on_time_correlation', 'n_answers', 'lower') }} as correlation_ci_low,
        {{ cx_corr_bound('score_on_time_correlation', 'n_answers', 'upper') }} as correlation_ci_high
    from summed

)

select * from final
