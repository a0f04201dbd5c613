{#- Key-driver analysis: for each attribute of the two lenses (three forces +
    three feelings; six competencies), its mean performance (1-5 rating) and
    importance (Pearson correlation of the rating with the 0-10
    recommendation score, with a Fisher-z 95% interval), overall and by
    customer segment and buying role, and its importance-performance
    quadrant against the lens's mean importance and performance in that
    scope. Relationship surveys only: they ask every attribute. -#}
{%- set lenses = {
    'forces_feelings': ['product', 'price', 'fulfillment', 'ease', 'recognition', 'trust'],
    'competencies': ['sales_process', 'product', 'billing', 'communication', 'safety', 'sustainability'],
} -%}
with

responses as (

    select
        responses.response_id,
        responses.nps_score,
        responses.buying_role,
        coalesce(customers.segment, 'unknown') as segment,
        responses.rate_product,
        responses.rate_price,
        responses.rate_fulfillment,
        responses.rate_ease,
        responses.rate_recognition,
        responses.rate_trust,
        responses.rate_sales_process,
        responses.rate_billing,
        responses.rate_communication,
        responses.rate_safety,
        responses.rate_sustainability
    from {{ ref('fct_survey_responses') }} as responses
    left join {{ ref('dim_customer') }} as customers
        on responses.customer_key = customers.customer_key
    where responses.survey_type = 'relationship'
        and responses.nps_score is not null

),

ratings as (

    {% for lens, attributes in lenses.items() -%}
    {%- set outer_loop = loop -%}
    {% for attribute in attributes -%}
    select
        '{{ lens }}' as lens,
        '{{ attribute }}' as attribute,
        response_id,
        segment,
        buying_role,
        nps_score,
        rate_{{ attribute }} as rating
    from responses
    where rate_{{ attribute }} is not null
    {% if not (loop.last and outer_loop.last) %}union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}

),

scoped as (

    select 'all' as scope_type, 'all' as scope_value, lens, attribute, nps_score, rating
    from ratings
    union all
    select 'segment' as scope_type, segment as scope_value, lens, attribute, nps_score, rating
    from ratings
    union all
    select 'buying_role' as scope_type, buying_role as scope_value, lens, attribute, nps_score, rating
    from ratings

),

summed as (

    select
        scope_type,
        scope_value,
        lens,
        attribute,
        count(*) as n_answers,
        {{ cx_round('avg(1.0 * rating)', 9) }} as performance,
        stddev_samp(1.0 * rating) as performance_sd,
        {{ cx_corr('rating', 'nps_score') }} as importance
    from scoped
    group by scope_type, scope_value, lens, attribute

),

ranked as (

    select
        scope_type,
        scope_value,
        lens,
        attribute,
        n_answers,
        performance,
        performance_sd,
        importance,
        {{ cx_corr_bound('importance', 'n_answers', 'lower') }} as importance_ci_low,
        {{ cx_corr_bound('importance', 'n_answers', 'upper') }} as importance_ci_high,
        {{ cx_round('avg(importance) over (partition by scope_type, scope_value, lens)', 9) }} as lens_mean_importance,
        {{ cx_round('avg(performance) over (partition by scope_type, scope_value, lens)', 9) }} as lens_mean_performance,
        row_number() over (
            partition by scope_type, scope_value, lens order by importance desc, attribute
        ) as importance_rank
    from summed

)

select
    scope_type,
    scope_value,
    lens,
    attribute,
    {{ cx_count('n_answers') }} as n_answers,
    performance,
    performance_sd,
    importance,
    importance_ci_low,
    importance_ci_high,
    {{ cx_count('importance_rank') }} as importance_rank,
    lens_mean_importance,
    lens_mean_performance,
    {#- The classic importance-performance grid, split at the lens means. -#}
    case
        when importance is null then null
        when importance >= lens_mean_importance and performance < lens_mean_performance
            then 'fix_first'
        when importance >= lens_mean_importance then 'keep_up'
        when performance < lens_mean_performance then 'low_priority'
        else 'possible_overkill'
    end as quadrant
from ranked
