{#- A health score per customer: a weighted mean (var cx_health_weights) of
    measures each scaled 0-100, over the last var cx_health_window_months
    months of the data; a measure a customer has no data for is left out and
    the other weights re-scaled, so the score is explainable term by term:
      account_nps    - latest quarter's role-weighted account NPS, (NPS+100)/2
      verified_otif  - verified OTIF rate of its orders due in the window
      complaint_free - share of its confirmed orders with no issue reported
      renewal        - 100 if its latest decided contract renewed, 0 if churned
      alert_free     - share of its survey answers in the window that were not detractors
    Tiers: below var cx_health_high_risk_below is high churn risk, below
    cx_health_medium_risk_below medium, else low. -#}
{%- set w = var('cx_health_weights') -%}
{%- set months = var('cx_health_window_months') -%}
with

anchor as (

    select max(due_month) as latest_month
    from {{ ref('fct_orders') }}

),

window_start as (

    select {{ dbt.dateadd('month', 1 - months, 'latest_month') }} as start_month
    from anchor

),

customers as (

    select
        customer_key,
        customer_name,
        segment,
        industry
    from {{ ref('dim_customer') }}

),

account_nps as (

    select
        customer_key,
        account_nps
    from (
        select
            customer_key,
            account_nps,
            row_number() over (partition by customer_key order by quarter_start desc) as recency
        from {{ ref('fct_account_nps') }}
        where has_answer
    ) as ranked
    where recency = 1

),

orders as (

    select
        orders.customer_key,
        count(*) as orders_due,
        sum(case when orders.is_otif_verified then 1 else 0 end) as orders_otif_verified,
        sum(case when orders.confirmed_at is not null then 1 else 0 end) as orders_confirmed,
        sum(case when orders.is_confirmation_issue_reported then 1 else 0 end) as orders_with_issue
    from {{ ref('fct_orders') }} as orders
    cross join window_start
    where orders.is_due
        and orders.customer_key is not null
        and orders.due_month >= window_start.start_month
    group by orders.customer_key

),

renewal as (

    select
        customer_key,
        cast(case when is_renewed then 100 else 0 end as {{ cx_type_double() }}) as renewal_score
    from (
        select
            customer_key,
            is_renewed,
            row_number() over (
                partition by customer_key order by end_date desc, contract_id desc
            ) as recency
        from {{ ref('fct_contracts') }}
        where is_decided and customer_key is not null
    ) as ranked
    where recency = 1

),

answers as (

    select
        responses.customer_key,
        sum(responses.has_nps) as n_answers,
        sum(responses.is_detractor) as n_detractors
    from {{ ref('fct_survey_responses') }} as responses
    cross join window_start
    where responses.customer_key is not null
        and responses.submitted_month >= window_start.start_month
    group by responses.customer_key

),

measures as (

    select
        customers.customer_key,
        customers.customer_name,
        customers.segment,
        customers.industry,
        (account_nps.account_nps + 100.0) / 2 as account_nps_score,
        case when orders.orders_due > 0
            then 100.0 * orders.orders_otif_verified / orders.orders_due
        end as verified_otif_score,
        case when orders.orders_confirmed > 0
            then 100.0 * (1 - 1.0 * orders.orders_with_issue / orders.orders_confirmed)
        end as complaint_free_score,
        renewal.renewal_score,
        case when answers.n_answers > 0
            then 100.0 * (1 - 1.0 * answers.n_detractors / answers.n_answers)
        end as alert_free_score,
        coalesce(orders.orders_due, 0) as orders_due_in_window,
        coalesce(answers.n_answers, 0) as answers_in_window
    from customers
    left join account_nps on customers.customer_key = account_nps.customer_key
    left join orders on customers.customer_key = orders.customer_key
    left join renewal on customers.customer_key = renewal.customer_key
    left join answers on customers.customer_key = answers.customer_key

),

weighted as (

    select
        *,
        coalesce({{ w.account_nps }} * account_nps_score, 0)
        + coalesce({{ w.verified_otif }} * verified_otif_score, 0)
        + coalesce({{ w.complaint_free }} * complaint_free_score, 0)
        + coalesce({{ w.renewal }} * renewal_score, 0)
        + coalesce({{ w.alert_free }} * alert_free_score, 0) as weighted_sum,
        case when account_nps_score is null then 0 else {{ w.account_nps }} end
        + case when verified_otif_score is null then 0 else {{ w.verified_otif }} end
        + case when complaint_free_score is null then 0 else {{ w.complaint_free }} end
        + case when renewal_score is null then 0 else {{ w.renewal }} end
        + case when alert_free_score is null then 0 else {{ w.alert_free }} end as weight_present
    from measures

),

final as (

    select
        customer_key,
        customer_name,
        segment,
        industry,
        account_nps_score,
        verified_otif_score,
        complaint_free_score,
        renewal_score,
        alert_free_score,
        {{ cx_count('orders_due_in_window') }} as orders_due_in_window,
        {{ cx_count('answers_in_window') }} as answers_in_window,
        cast(weight_present as {{ cx_type_double() }}) as weight_present,
        case when weight_present > 0 then weighted_sum / weight_present end as health_score,
        case
            when weight_present = 0 then 'unknown'
            when weighted_sum / weight_present < {{ var('cx_health_high_risk_below') }} then 'high'
            when weighted_sum / weight_present < {{ var('cx_health_medium_risk_below') }} then 'medium'
            else 'low'
        end as churn_risk_tier
    from weighted

)

select * from final
