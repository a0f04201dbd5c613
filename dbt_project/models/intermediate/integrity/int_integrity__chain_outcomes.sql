{#- One row per order chain with what the integrity tests need: the three
    on-time views, the proven signals on it, a "defensible" on-time outcome
    and its delivery-survey invitations.

    Defensible on time = the most an honest report could count as on time:
    delivered on or before the valid promise (the first promise, or a
    customer's deferral asked for in time), by
    the customer's confirmed receipt (with the confirmation-lag tolerance),
    else a scan event, else - only when nothing on the chain is proven
    manipulated - the recorded delivery (benefit of the doubt for unverified
    orders). It is the null hypothesis of the region-month significance test. -#}
{%- set lag = cx_integrity('confirmation_lag_days') -%}
{%- set record_lag = cx_integrity('record_lag_days') -%}
with

chains as (

    select
        source_system,
        chain_order_id,
        final_order_id,
        region,
        business_unit,
        due_month,
        is_cancelled,
        is_due,
        is_verified,
        first_promised_date,
        valid_promised_date,
        current_promised_date,
        recorded_delivery_date,
        delivery_record_count,
        confirmed_received_date,
        scan_delivery_date,
        verified_delivery_date,
        verification_source,
        is_on_time_reported,
        is_on_time_verified
    from {{ ref('int_fulfillment__order_chains') }}

),

members as (

    select
        source_system,
        chain_order_id,
        order_id
    from {{ ref('int_fulfillment__order_chain_members') }}

),

signals as (

    select
        source_system,
        chain_order_id,
        min(pattern_number) as primary_pattern_number,
        max(case when pattern_number = 1 then 1 else 0 end) as has_promise_moved,
        max(case when pattern_number = 2 then 1 else 0 end) as has_recorded_early,
        max(case when pattern_number = 3 then 1 else 0 end) as has_cancel_recreate,
        max(case when signal_code = 'late_record_no_scan' then 1 else 0 end) as has_late_record,
        max(case when signal_code = 'in_full_contradicted' then 1 else 0 end) as has_in_full_contradicted
    from {{ ref('int_integrity__order_signals') }}
    group by source_system, chain_order_id

),

invitations as (

    select
        members.source_system,
        members.chain_order_id,
        count(*) as delivery_invitation_count
    from {{ ref('stg_survey__invitations') }} as invitations
    inner join members
        on invitations.order_id = members.order_id
    where invitations.survey_type = 'delivery'
    group by members.source_system, members.chain_order_id

),

cutoff as (

    {#- The latest delivery record the warehouse has: records are typed up to
        days after a delivery, so recent orders may simply not be in yet. -#}
    select cast(max(delivery_recorded_at) as date) as data_cutoff_date
    from {{ ref('int_fulfillment__order_chains') }}

),

joined as (

    select
        chains.*,
        coalesce(signals.primary_pattern_number, 0) as primary_pattern_number,
        coalesce(signals.has_promise_moved, 0) = 1 as has_promise_moved,
        coalesce(signals.has_recorded_early, 0) = 1 as has_recorded_early,
        coalesce(signals.has_cancel_recreate, 0) = 1 as has_cancel_recreate,
        coalesce(signals.has_late_record, 0) = 1 as has_late_record,
        coalesce(signals.has_in_full_contradicted, 0) = 1 as has_in_full_contradicted,
        signals.primary_pattern_number is not null as has_proven_signal,
        chains.valid_promised_date as defensible_promised_date,
        coalesce(invitations.delivery_invitation_count, 0) as delivery_invitation_count,
        {#- Nothing recorded, confirmed or scanned yet, due within the record
            lag of the data cutoff: the data is pending, not the delivery. -#}
        chains.verification_source = 'not_delivered'
            and chains.current_promised_date > {{ dbt.dateadd('day', -record_lag, 'cutoff.data_cutoff_date') }}
            as is_pending_data
    from chains
    cross join cutoff
    left join signals
        on chains.source_system = signals.source_system
        and chains.chain_order_id = signals.chain_order_id
    left join invitations
        on chains.source_system = invitations.source_system
        and chains.chain_order_id = invitations.chain_order_id

)

select
    source_system,
    chain_order_id,
    final_order_id,
    region,
    business_unit,
    due_month,
    cast({{ dbt.date_trunc('month', 'current_promised_date') }} as date) as current_due_month,
    is_cancelled,
    is_due,
    is_verified,
    first_promised_date,
    valid_promised_date,
    current_promised_date,
    defensible_promised_date,
    verified_delivery_date,
    verification_source,
    is_on_time_reported,
    coalesce(is_on_time_verified, false) as is_on_time_verified,
    coalesce(
        case
            when confirmed_received_date is not null
                then confirmed_received_date
                    <= {{ dbt.dateadd('day', lag, 'defensible_promised_date') }}
            when scan_delivery_date is not null
                then scan_delivery_date <= defensible_promised_date
            when not has_proven_signal
                then recorded_delivery_date <= defensible_promised_date
                    or is_pending_data
        end,
        false
    ) as is_on_time_defensible,
    {#- The region's own records support it as on time: recorded on time
        against the current promise, or - when no delivery record has reached
        the warehouse yet (typed after the extract) - confirmed or scanned by then. -#}
    coalesce(
        is_on_time_reported
        or (delivery_record_count = 0 and verified_delivery_date <= current_promised_date),
        false
    ) as is_on_time_supported_current,
    is_pending_data,
    verification_source = 'unverified' as is_unverified,
    is_verified and not is_on_time_verified as is_verified_late,
    primary_pattern_number,
    has_proven_signal,
    has_promise_moved,
    has_recorded_early,
    has_cancel_recreate,
    has_late_record,
    has_in_full_contradicted,
    delivery_invitation_count
from joined
