{#- Loyalty value by NPS category: renewal and churn of decided contracts,
    contract value and customer lifetime value (all contract value a customer
    has signed) of promoters, passives and detractors, each with n and a 95%
    interval, and each category's lifetime value as a multiple of the
    detractors'. A customer's category comes from the mean of its contacts'
    latest relationship scores. -#}
with

answers as (

    select
        customer_key,
        voice_key,
        nps_score,
        row_number() over (
            partition by customer_key, voice_key order by submitted_at desc, response_id desc
        ) as answer_rank
    from {{ ref('int_survey__account_answers') }}

),

customer_scores as (

    select
        customer_key,
        avg(1.0 * nps_score) as mean_nps_score,
        count(*) as n_voices
    from answers
    where answer_rank = 1
    group by customer_key

),

customer_categories as (

    select
        customer_key,
        mean_nps_score,
        n_voices,
        {{ cx_nps_category('round(mean_nps_score)') }} as nps_category
    from customer_scores

),

contracts as (

    select
        customer_key,
        contract_value_cny,
        is_decided,
        is_renewed,
        is_churned
    from {{ ref('fct_contracts') }}
    where customer_key is not null

),

customer_value as (

    select
        customer_key,
        sum(contract_value_cny) as lifetime_value_cny,
        count(*) as n_contracts,
        sum(case when is_decided then 1 else 0 end) as n_decided,
        sum(case when is_decided and is_renewed then 1 else 0 end) as n_renewed,
        sum(case when is_decided and is_churned and not is_renewed then 1 else 0 end) as n_churned
    from contracts
    group by customer_key

),

by_category as (

    select
        customer_categories.nps_category,
        count(*) as n_customers,
        sum(customer_value.n_contracts) as n_contracts,
        sum(customer_value.n_decided) as n_decided,
        sum(customer_value.n_renewed) as n_renewed,
        sum(customer_value.n_churned) as n_churned,
        avg(1.0 * customer_value.lifetime_value_cny) as mean_lifetime_value_cny,
        stddev_samp(1.0 * customer_value.lifetime_value_cny) as sd_lifetime_value_cny,
        sum(customer_value.lifetime_value_cny) as lifetime_value_cny
    from customer_categories
    inner join customer_value
        on customer_categories.customer_key = customer_value.customer_key
    group by customer_categories.nps_category

),

detractors as (

    select
        mean_lifetime_value_cny as detractor_mean,
        sd_lifetime_value_cny as detractor_sd,
        n_customers as detractor_n
    from by_category
    where nps_category = 'detractor'

),

final as (

    select
        nps_category,
        {{ cx_count('n_customers') }} as n_customers,
        {{ cx_count('n_contracts') }} as n_contracts,
        {{ cx_count('n_decided') }} as n_decided_contracts,
        {{ cx_count('n_renewed') }} as n_renewed,
        {{ cx_count('n_churned') }} as n_churned,
        case when n_decided > 0 then 1.0 * n_renewed / n_decided end as renewal_rate,
        {{ cx_wilson_bound('n_renewed', 'n_decided', 'lower') }} as renewal_rate_ci_low,
        {{ cx_wilson_bound('n_renewed', 'n_decided', 'upper') }} as renewal_rate_ci_high,
        case when n_decided > 0 then 1.0 * n_churned / n_decided end as churn_rate,
        {{ cx_money('lifetime_value_cny') }} as lifetime_value_cny,
        mean_lifetime_value_cny,
        mean_lifetime_value_cny - 1.96 * sd_lifetime_value_cny / sqrt(n_customers)
            as mean_lifetime_value_ci_low,
        mean_lifetime_value_cny + 1.96 * sd_lifetime_value_cny / sqrt(n_customers)
            as mean_lifetime_value_ci_high,
        mean_lifetime_value_cny / nullif(detractors.detractor_mean, 0)
            as lifetime_value_vs_detractor,
        {#- 95% interval of a ratio of two independent means (delta method on the
            log scale: relative variances add); none for the detractors' own row,
            the base, or with fewer than two customers on either side. -#}
        case when nps_category <> 'detractor' then
            mean_lifetime_value_cny / nullif(detractors.detractor_mean, 0) * exp(-1.96 * sqrt(
                power(sd_lifetime_value_cny, 2) / n_customers
                    / nullif(power(mean_lifetime_value_cny, 2), 0)
                + power(detractors.detractor_sd, 2) / detractors.detractor_n
                    / nullif(power(detractors.detractor_mean, 2), 0)
            ))
        end as lifetime_value_vs_detractor_ci_low,
        case when nps_category <> 'detractor' then
            mean_lifetime_value_cny / nullif(detractors.detractor_mean, 0) * exp(1.96 * sqrt(
                power(sd_lifetime_value_cny, 2) / n_customers
                    / nullif(power(mean_lifetime_value_cny, 2), 0)
                + power(detractors.detractor_sd, 2) / detractors.detractor_n
                    / nullif(power(detractors.detractor_mean, 2), 0)
            ))
        end as lifetime_value_vs_detractor_ci_high
    from by_category
    left join detractors on true

)

select * from final
