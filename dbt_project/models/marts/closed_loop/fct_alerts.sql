{#- The closed-loop alert queue: every detractor answer, every delivery
    complaint a customer raised on confirmation and every public-opinion
    negative spike, with its owner (the
    customer's account manager; the CX team when none is known), the SLA due
    time (var cx_alert_sla_hours after it was raised) and breach status from
    the actions recorded in closed_loop.alert_actions: an alert is resolved by
    its first `resolved` action, and breached when it was resolved after its
    due time or is still open past it at build time. -#}
with

owners as (

    select
        customer_key,
        account_manager_id
    from {{ ref('int_customer__accounts') }}
    where survivorship_rank = 1

),

detractors as (

    select
        {{ dbt.concat(["'detractor|'", 'response_id']) }} as alert_id,
        'detractor' as alert_type,
        submitted_at as raised_at,
        customer_key,
        person_key,
        response_id,
        order_key,
        survey_type as source_detail,
        {{ dbt.concat([
            "'NPS '", dbt.cast('nps_score', api.Column.translate_type('string')),
            "' on a '", 'survey_type', "' survey'"
        ]) }} as evidence,
        case when nps_score <= 3 then 'high' else 'medium' end as severity
    from {{ ref('fct_survey_responses') }}
    where is_detractor = 1

),

complaints as (

    select
        {{ dbt.concat(["'complaint|'", 'order_key']) }} as alert_id,
        'delivery_complaint' as alert_type,
        confirmed_at as raised_at,
        customer_key,
        cast(null as {{ dbt.type_string() }}) as person_key,
        cast(null as {{ dbt.type_string() }}) as response_id,
        order_key,
        coalesce(confirmation_issue_type, 'other') as source_detail,
        {{ dbt.concat([
            "'customer reported '", "coalesce(confirmation_issue_type, 'an issue')",
            "' on order '", 'final_order_id'
        ]) }} as evidence,
        case when confirmation_issue_type in ('late', 'wrong_item', 'damaged')
            then 'high' else 'medium' end as severity
    from {{ ref('fct_orders') }}
    where is_confirmation_issue_reported and confirmed_at is not null

),

public_opinion as (

    {#- Negative-spike alerts from public opinion join the same queue. -#}
    select
        alert_id,
        alert_type,
        raised_at,
        customer_key,
        cast(null as {{ dbt.type_string() }}) as person_key,
        cast(null as {{ dbt.type_string() }}) as response_id,
        cast(null as {{ dbt.type_string() }}) as order_key,
        subject as source_detail,
        evidence,
        severity
    from {{ ref('fct_public_opinion_alerts') }}

),

alerts as (

    select alert_id, alert_type, raised_at, customer_key, person_key, response_id,
        order_key, source_detail, evidence, severity
    from detractors
    union all
    select alert_id, alert_type, raised_at, customer_key, person_key, response_id,
        order_key, source_detail, evidence, severity
    from complaints
    union all
    select alert_id, alert_type, raised_at, customer_key, person_key, response_id,
        order_key, source_detail, evidence, severity
    from public_opinion

),

actions as (

    select
        alert_id,
        min(case when action = 'resolved' then acted_at end) as resolved_at,
        min(acted_at) as first_action_at
    from {{ ref('stg_closed_loop__alert_actions') }}
    group by alert_id

),

final as (

    select
        alerts.alert_id,
        alerts.alert_type,
        alerts.raised_at,
        alerts.customer_key,
        alerts.person_key,
        alerts.response_id,
        alerts.order_key,
        alerts.source_detail,
        alerts.evidence,
        alerts.severity,
        coalesce(owners.account_manager_id, 'cx_team') as owner_id,
        {{ dbt.dateadd('hour', var('cx_alert_sla_hours'), 'alerts.raised_at') }} as sla_due_at,
        actions.first_action_at,
        actions.resolved_at,
        case when actions.resolved_at is null then 'open' else 'resolved' end as alert_status,
        coalesce(
            actions.resolved_at,
            cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        ) > {{ dbt.dateadd('hour', var('cx_alert_sla_hours'), 'alerts.raised_at') }}
            as is_sla_breached
    from alerts
    left join owners
        on alerts.customer_key = owners.customer_key
    left join actions
        on alerts.alert_id = actions.alert_id

)

select * from final
