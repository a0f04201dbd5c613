{#- Account NPS input: each contact's latest relationship answer per
    customer and quarter, with its buying-role weight. A respondent with no
    resolved contact counts as one voice of its own (its response). Survey-
    gaming suspects (fct_survey_responses.is_gaming_suspect) are left out
    before the latest answer is picked: account NPS is the honest one. -#}
with

responses as (

    select
        response_id,
        customer_key,
        person_key,
        buying_role,
        submitted_at,
        nps_score,
        nps_points,
        is_promoter,
        is_detractor
    from {{ ref('fct_survey_responses') }}
    where survey_type = 'relationship'
        and nps_score is not null
        and customer_key is not null
        and not is_gaming_suspect

),

ranked as (

    select
        response_id,
        customer_key,
        coalesce(person_key, {{ dbt.concat(["'response:'", 'response_id']) }}) as voice_key,
        buying_role,
        submitted_at,
        cast({{ dbt.date_trunc('quarter', 'submitted_at') }} as date) as quarter_start,
        nps_score,
        nps_points,
        is_promoter,
        is_detractor,
        row_number() over (
            partition by
                customer_key,
                coalesce(person_key, {{ dbt.concat(["'response:'", 'response_id']) }}),
                cast({{ dbt.date_trunc('quarter', 'submitted_at') }} as date)
            order by submitted_at desc, response_id desc
        ) as answer_rank
    from responses

)

select
    response_id,
    customer_key,
    voice_key,
    buying_role,
    submitted_at,
    quarter_start,
    nps_score,
    nps_points,
    is_promoter,
    is_detractor,
    {{ cx_role_weight('buying_role') }} as role_weight
from ranked
where answer_rank = 1
