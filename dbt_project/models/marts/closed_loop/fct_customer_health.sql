{#- A health score per customer: a weighted mean (var cx_health_weights) of
    measures each scaled 0-100, over the last var cx_health_window_months
    months of the data; a measure a customer has no data for is left out and
    the other weights re-scaled, so the score is explainable term by term:
      account_nps    - latest quarter's role-weighted account NPS, (NPS+100)/2
      verified_otif  - verified OTIF rate of its verifiable orders due in the window
      complaint_free - share of its confirmed orders with no issue reported
      renewal        - 100 if its latest decided contract renewed, 0 if churned
      alert_free     - share of its survey answers in the window that were not detractors
    Tiers: below var cx_health_high_risk_below is high churn risk, below
    cx_health_medium_risk_below medium, else low.

    Lost customers get their own tier, `lost`, whatever their score: every
    contract they have is churned or has ended (end date before the data's
    cutoff) without being renewed, and they have had no activity (an order, a
    delivery confirmation or a survey response) in the var
    cx_lost_inactive_days days up to the cutoff. The cutoff is the latest
    such event loaded (capped at today), never the wall clock, so a rebuild of
    old data finds the same customers. A customer with no contract at all is
    never lost (a prospect, or contracts not loaded): it is scored like any
    other. Lost customers are not churn risks any more - the churn happened -
    so they stay out of the high-risk lists; winning them back is another list.

    Survey answers of survey-gaming suspects (fct_survey_responses.
    is_gaming_suspect) are left out of alert_free. -#}
{%- set w = var('cx_health_weights') -%}
{%- set months = var('cx_health_window_months') -%}
{%- set lost_days = var('cx_lost_inactive_days') -%}
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
        sum(case when orders.is_verified then 1 else 0 end) as orders_verified,
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
        and not responses.is_gaming_suspect
    group by responses.customer_key

),

activity_events as (

    select
        customer_key,
        order_date as activity_date
    from {{ ref('fct_orders') }}
    union all
    select
        customer_key,
        cast(confirmed_at as date) as activity_date
    from {{ ref('fct_orders') }}
    union all
    select
        customer_key,
        cast(submitted_at as date) as activity_date
    from {{ ref('fct_survey_responses') }}

),

cutoff as (

    {#- The data's cutoff: the latest activity event loaded, capped at today
        so one future-dated row cannot make every customer look inactive. -#}
    select
        cast(
            least(
                coalesce(max(activity_date), cast({{ dbt.current_timestamp() }} as date)),
                cast({{ dbt.current_timestamp() }} as date)
            ) as date
        ) as data_cutoff_date
    from activity_events

),

activity as (

    select
        customer_key,
        max(activity_date) as last_activity_date
    from activity_events
    where customer_key is not null
    group by customer_key

),

contract_status as (

    {#- A contract is live unless churned, or ended before the cutoff without
        a renewal: its own renewal is a new contract, live or not by itself.
        An unknown end date is live (in force until it is known to end). -#}
    select
        contracts.customer_key,
        count(*) as contract_count,
        sum(case
            when not coalesce(contracts.is_churned, false)
                and coalesce(contracts.end_date >= cutoff.data_cutoff_date, true)
                then 1
            else 0
        end) as live_contract_count
    from {{ ref('fct_contracts') }} as contracts
    cross join cutoff
    where contracts.customer_key is not null
    group by contracts.customer_key

),

measures as (

    select
        customers.customer_key,
        customers.customer_name,
        customers.segment,
        customers.industry,
        (account_nps.account_nps + 100.0) / 2 as account_nps_score,
        case when orders.orders_verified > 0
            then 100.0 * orders.orders_otif_verified / orders.orders_verified
        end as verified_otif_score,
        case when orders.orders_confirmed > 0
            then 100.0 * (1 - 1.0 * orders.orders_with_issue / orders.orders_confirmed)
        end as complaint_free_score,
        renewal.renewal_score,
        case when answers.n_answers > 0
            then 100.0 * (1 - 1.0 * answers.n_detractors / answers.n_answers)
        end as alert_free_score,
        coalesce(orders.orders_due, 0) as orders_due_in_window,
        coalesce(answers.n_answers, 0) as answers_in_window,
        coalesce(contract_status.contract_count, 0) as contract_count,
        coalesce(contract_status.live_contract_count, 0) > 0 as has_live_contract,
        activity.last_activity_date,
        cutoff.data_cutoff_date,
        coalesce(contract_status.contract_count, 0) > 0
            and coalesce(contract_status.live_contract_count, 0) = 0
            and coalesce(
                activity.last_activity_date
                    < {{ dbt.dateadd('day', -lost_days, 'cutoff.data_cutoff_date') }},
                true
            ) as is_lost
    from customers
    cross join cutoff
    left join account_nps on customers.customer_key = account_nps.customer_key
    left join orders on customers.customer_key = orders.customer_key
    left join renewal on customers.customer_key = renewal.customer_key
    left join answers on customers.customer_key = answers.customer_key
    left join contract_status on customers.customer_key = contract_status.customer_key
    left join activity on customers.customer_key = activity.customer_key

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
            when is_lost then 'lost'
            when weight_present = 0 then 'unknown'
            when weighted_sum / weight_present < {{ var('cx_health_high_risk_below') }} then 'high'
            when weighted_sum / weight_present < {{ var('cx_health_medium_risk_below') }} then 'medium'
            else 'low'
        end as churn_risk_tier,
        {{ cx_count('contract_count') }} as contract_count,
        has_live_contract,
        cast(last_activity_date as date) as last_activity_date,
        cast(
            {{ dbt.datediff('last_activity_date', 'data_cutoff_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as days_since_last_activity,
        data_cutoff_date,
        is_lost
    from weighted

)

select * from final
