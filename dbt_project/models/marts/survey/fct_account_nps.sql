{#- Account NPS per customer and quarter: each contact's latest relationship
    answer, weighted by buying role (var cx_buying_role_weights), beside the
    customer's contract value in force that quarter, so revenue-weighted NPS
    and revenue coverage can be summed up from here. -#}
with

answers as (

    select
        customer_key,
        quarter_start,
        voice_key,
        is_promoter,
        is_detractor,
        role_weight
    from {{ ref('int_survey__account_answers') }}

),

quarters as (

    select distinct quarter_start from answers

),

contracts as (

    select
        customer_key,
        start_date,
        end_date,
        contract_value_cny
    from {{ ref('fct_contracts') }}
    where customer_key is not null

),

contract_value as (

    {#- Contract value in force at some point of the quarter. -#}
    select
        contracts.customer_key,
        quarters.quarter_start,
        sum(contracts.contract_value_cny) as contract_value_cny
    from quarters
    inner join contracts
        on contracts.start_date < {{ dbt.dateadd('month', 3, 'quarters.quarter_start') }}
        and contracts.end_date >= quarters.quarter_start
    group by contracts.customer_key, quarters.quarter_start

),

voices as (

    select
        customer_key,
        quarter_start,
        count(*) as n_voices,
        sum(is_promoter) as n_promoters,
        sum(is_detractor) as n_detractors,
        sum(role_weight) as role_weight_total,
        sum(role_weight * is_promoter) as weighted_promoters,
        sum(role_weight * is_detractor) as weighted_detractors
    from answers
    group by customer_key, quarter_start

),

customers as (

    select
        customer_key,
        segment,
        industry
    from {{ ref('dim_customer') }}

),

keys as (

    select customer_key, quarter_start from voices
    union
    select customer_key, quarter_start from contract_value

),

final as (

    select
        keys.customer_key,
        keys.quarter_start,
        coalesce(customers.segment, 'unknown') as segment,
        coalesce(customers.industry, 'unknown') as industry,
        coalesce(voices.n_voices, 0) as n_voices,
        {{ cx_count('coalesce(voices.n_promoters, 0)') }} as n_promoters,
        {{ cx_count('coalesce(voices.n_detractors, 0)') }} as n_detractors,
        {{ cx_nps('voices.n_promoters', 'voices.n_detractors', 'voices.n_voices') }} as nps_unweighted,
        cast(coalesce(voices.role_weight_total, 0) as {{ cx_type_double() }}) as role_weight_total,
        cast(coalesce(voices.weighted_promoters, 0) as {{ cx_type_double() }}) as weighted_promoters,
        cast(coalesce(voices.weighted_detractors, 0) as {{ cx_type_double() }}) as weighted_detractors,
        {{ cx_nps('voices.weighted_promoters', 'voices.weighted_detractors', 'voices.role_weight_total') }}
            as account_nps,
        {{ cx_money('coalesce(contract_value.contract_value_cny, 0)') }} as contract_value_cny,
        voices.n_voices is not null as has_answer
    from keys
    left join voices
        on keys.customer_key = voices.customer_key
        and keys.quarter_start = voices.quarter_start
    left join contract_value
        on keys.customer_key = contract_value.customer_key
        and keys.quarter_start = contract_value.quarter_start
    left join customers
        on keys.customer_key = customers.customer_key

)

select * from final
