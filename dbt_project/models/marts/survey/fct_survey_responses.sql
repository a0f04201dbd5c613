{#- One row per survey response: NPS category and every rating, who answered
    (resolved contact, buying role, customer), for responses about an order,
    that order chain's verified fulfillment outcome, and whether the response
    is a survey-gaming suspect (int_integrity__gamed_survey_responses). Every
    response stays here; NPS is reported without the suspects (the headline)
    and with them. -#}
with

responses as (

    select
        response_id,
        survey_id,
        survey_type,
        invitation_id,
        journey_stage,
        touchpoint,
        respondent_role,
        order_id,
        submitted_at,
        nps_score,
        ces_score,
        csat_score,
        rate_product,
        rate_price,
        rate_fulfillment,
        rate_ease,
        rate_recognition,
        rate_trust,
        rate_sales_process,
        rate_billing,
        rate_communication,
        rate_safety,
        rate_sustainability,
        response_comment
    from {{ ref('stg_survey__responses') }}

),

respondents as (

    select
        response_id,
        person_key,
        customer_key,
        contact_match_method,
        customer_link_method
    from {{ ref('fct_survey_respondents') }}

),

contacts as (

    select
        person_key,
        buying_role
    from {{ ref('dim_contact') }}

),

invitations as (

    select
        invitation_id,
        channel,
        sent_at,
        sent_by
    from {{ ref('stg_survey__invitations') }}

),

order_members as (

    select
        order_id,
        source_system,
        chain_order_id
    from {{ ref('int_fulfillment__order_id_links') }}

),

orders as (

    select
        source_system,
        chain_order_id,
        order_key,
        region,
        business_unit,
        verification_source,
        is_verified,
        is_on_time_verified,
        is_otif_verified,
        verified_days_late
    from {{ ref('fct_orders') }}

),

gaming as (

    select
        response_id,
        gaming_reason
    from {{ ref('int_integrity__gamed_survey_responses') }}

),

final as (

    select
        responses.response_id,
        responses.survey_id,
        responses.survey_type,
        responses.invitation_id,
        invitations.channel as invitation_channel,
        invitations.sent_at as invitation_sent_at,
        invitations.sent_by as invitation_sent_by,
        responses.submitted_at,
        cast(responses.submitted_at as date) as submitted_date,
        cast({{ dbt.date_trunc('month', 'responses.submitted_at') }} as date) as submitted_month,
        responses.journey_stage,
        responses.touchpoint,
        respondents.person_key,
        respondents.customer_key,
        respondents.contact_match_method,
        respondents.customer_link_method,
        responses.respondent_role,
        {#- The CRM's buying role of the resolved contact wins over the
            respondent's own declaration, which is used when no contact matched. -#}
        coalesce(contacts.buying_role, responses.respondent_role, 'unknown') as buying_role,
        responses.nps_score,
        {{ cx_nps_category('responses.nps_score') }} as nps_category,
        case when responses.nps_score >= 9 then 1 else 0 end as is_promoter,
        case when responses.nps_score between 7 and 8 then 1 else 0 end as is_passive,
        case when responses.nps_score <= 6 then 1 else 0 end as is_detractor,
        case when responses.nps_score is not null then 1 else 0 end as has_nps,
        {#- +100 / 0 / -100 per answer: its mean is the NPS. -#}
        case
            when responses.nps_score >= 9 then 100
            when responses.nps_score >= 7 then 0
            when responses.nps_score is not null then -100
        end as nps_points,
        responses.ces_score,
        responses.csat_score,
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
        responses.rate_sustainability,
        responses.response_comment,
        responses.order_id,
        orders.order_key,
        orders.region as order_region,
        orders.business_unit as order_business_unit,
        orders.verification_source as order_verification_source,
        orders.is_verified as is_order_verified,
        orders.is_on_time_verified as is_order_on_time_verified,
        orders.is_otif_verified as is_order_otif_verified,
        orders.verified_days_late as order_verified_days_late,
        case
            when orders.order_key is null then null
            when not orders.is_verified then 'unverified'
            when orders.is_on_time_verified then 'on_time'
            else 'late'
        end as order_outcome,
        gaming.response_id is not null as is_gaming_suspect,
        gaming.gaming_reason
    from responses
    left join respondents
        on responses.response_id = respondents.response_id
    left join contacts
        on respondents.person_key = contacts.person_key
    left join invitations
        on responses.invitation_id = invitations.invitation_id
    left join order_members
        on responses.order_id = order_members.order_id
    left join orders
        on order_members.source_system = orders.source_system
        and order_members.chain_order_id = orders.chain_order_id
    left join gaming
        on responses.response_id = gaming.response_id

)

select * from final
