{#- Per-order integrity signals, one row per order chain x signal, each with
    its evidence. Signals are measured against what cannot be edited
    afterwards (the promise-change audit log's timestamps, scan events, the
    customer's own confirmation) and use timing, never the free-text reason:
    a customer's legitimate deferral is asked for BEFORE the original due date.

      promise_moved_after_due    (pattern 1) promise revised later, on/after the
                                 date it replaced, or after the recorded delivery
      delivery_recorded_early    (pattern 2) manual record dated at/before the
                                 promise while the customer confirms a later
                                 receipt (beyond the confirmation lag), says it
                                 was late, or the record was typed days after
                                 the date it claims, once the promise had passed
      cancel_recreate_late       (pattern 3) chain re-created on/after the first
                                 promised date: the original was already late
      late_record_no_scan        manual record written long after the due date,
                                 no scan event, no customer confirmation
      in_full_contradicted       recorded in full, customer confirmed a short
                                 delivery
    Thresholds: var cx_integrity (macro cx_integrity). -#}
{%- set lag = cx_integrity('confirmation_lag_days') -%}
{%- set backdated = cx_integrity('backdated_record_days') -%}
{%- set late_record = cx_integrity('late_record_days') -%}
{%- set corroboration = cx_integrity('corroboration_months') -%}
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
        is_recreated,
        first_promised_date,
        current_promised_date,
        recorded_delivered_at,
        recorded_delivery_date,
        delivery_recorded_at,
        manual_record_count,
        scan_record_count,
        manual_recorded_by,
        confirmed_received_date,
        is_confirmed_in_full,
        confirmation_issue_type,
        verified_delivery_date,
        verification_source,
        is_in_full_recorded,
        is_on_time_reported,
        is_on_time_verified,
        sales_rep_id
    from {{ ref('int_fulfillment__order_chains') }}

),

members as (

    select
        source_system,
        chain_order_id,
        order_id,
        chain_position
    from {{ ref('int_fulfillment__order_chain_members') }}

),

orders as (

    select
        source_system,
        order_id,
        order_date,
        current_promised_date,
        sales_rep_id
    from {{ ref('stg_fulfillment__orders') }}

),

promise_changes as (

    select
        members.source_system,
        members.chain_order_id,
        promise_changes.order_id,
        promise_changes.old_promised_date,
        promise_changes.new_promised_date,
        promise_changes.changed_at,
        promise_changes.changed_by
    from {{ ref('stg_fulfillment__promise_changes') }} as promise_changes
    inner join members
        on promise_changes.source_system = members.source_system
        and promise_changes.order_id = members.order_id

),

promise_moved as (

    select
        chains.source_system,
        chains.chain_order_id,
        'promise_moved_after_due' as signal_code,
        1 as pattern_number,
        promise_changes.changed_by as staff_id,
        promise_changes.changed_at as signal_at,
        'promise of ' || promise_changes.order_id || ' moved from '
            || cast(promise_changes.old_promised_date as {{ dbt.type_string() }})
            || ' to ' || cast(promise_changes.new_promised_date as {{ dbt.type_string() }})
            || ' on ' || cast(promise_changes.changed_at as {{ dbt.type_string() }})
            || coalesce(' by ' || promise_changes.changed_by, '')
            || case
                when chains.recorded_delivered_at is not null
                    and promise_changes.changed_at >= chains.recorded_delivered_at
                    then ', after the delivery recorded '
                        || cast(chains.recorded_delivered_at as {{ dbt.type_string() }})
                else ', ' || cast({{ dbt.datediff('promise_changes.old_promised_date', 'cast(promise_changes.changed_at as date)', 'day') }} as {{ dbt.type_string() }})
                    || ' days after the date it replaced'
            end as evidence
    from promise_changes
    inner join chains
        on promise_changes.source_system = chains.source_system
        and promise_changes.chain_order_id = chains.chain_order_id
    where promise_changes.new_promised_date > promise_changes.old_promised_date
        and (
            cast(promise_changes.changed_at as date) >= promise_changes.old_promised_date
            or promise_changes.changed_at >= chains.recorded_delivered_at
            or cast(promise_changes.changed_at as date) > chains.verified_delivery_date
        )

),

recorded_early as (

    select
        source_system,
        chain_order_id,
        'delivery_recorded_early' as signal_code,
        2 as pattern_number,
        manual_recorded_by as staff_id,
        delivery_recorded_at as signal_at,
        'manual delivery of ' || final_order_id || ' recorded for '
            || cast(recorded_delivery_date as {{ dbt.type_string() }})
            || ' (promise ' || cast(current_promised_date as {{ dbt.type_string() }}) || ')'
            || coalesce(' by ' || manual_recorded_by, '')
            || ', typed ' || cast(delivery_recorded_at as {{ dbt.type_string() }})
            || coalesce('; customer confirmed receipt on '
                || cast(confirmed_received_date as {{ dbt.type_string() }}), '; no customer confirmation')
            || case when confirmation_issue_type = 'late' then ' and reported it late' else '' end
            as evidence
    from chains
    where manual_record_count > 0
        and scan_record_count = 0
        and recorded_delivery_date <= current_promised_date
        and (
            (
                confirmed_received_date > {{ dbt.dateadd('day', lag, 'recorded_delivery_date') }}
                and confirmed_received_date > current_promised_date
            )
            or (
                {#- The customer says late and the promise was never revised: a
                    customer's "late" after a deferral may refer to the old date. -#}
                confirmed_received_date > current_promised_date
                and confirmation_issue_type = 'late'
                and current_promised_date = first_promised_date
            )
            or (
                coalesce(confirmed_received_date > current_promised_date, true)
                and cast(delivery_recorded_at as date)
                    >= {{ dbt.dateadd('day', backdated, 'recorded_delivery_date') }}
                and cast(delivery_recorded_at as date) > current_promised_date
            )
        )

),

recorded_early_corroborated as (

    {#- Within the noise band (a confirmation up to the lag later than the
        record, but after the promise) a manual record
        dated on time is only counted when the staff member who typed it has
        proven early records in the same region and business unit within the
        corroboration window (var cx_integrity: corroboration_months,
        corroboration_min_records): one person's pattern, not a customer's
        late tap. -#}
    select
        chains.source_system,
        chains.chain_order_id,
        'delivery_recorded_early' as signal_code,
        2 as pattern_number,
        chains.manual_recorded_by as staff_id,
        chains.delivery_recorded_at as signal_at,
        'manual delivery of ' || chains.final_order_id || ' recorded for '
            || cast(chains.recorded_delivery_date as {{ dbt.type_string() }})
            || ' (promise ' || cast(chains.current_promised_date as {{ dbt.type_string() }}) || ')'
            || ' by ' || chains.manual_recorded_by
            || ', typed ' || cast(chains.delivery_recorded_at as {{ dbt.type_string() }})
            || coalesce('; customer confirmed receipt on '
                || cast(chains.confirmed_received_date as {{ dbt.type_string() }}), '; no customer confirmation')
            || '; corroborated by ' || cast(count(distinct proven.chain_order_id) as {{ dbt.type_string() }})
            || ' proven early record(s) by the same staff' as evidence
    from chains
    inner join recorded_early as proven_signal
        on chains.manual_recorded_by = proven_signal.staff_id
    inner join chains as proven
        on proven_signal.source_system = proven.source_system
        and proven_signal.chain_order_id = proven.chain_order_id
        and proven.region is not distinct from chains.region
        and proven.business_unit is not distinct from chains.business_unit
        and proven.due_month between
            {{ dbt.dateadd('month', -corroboration, 'chains.due_month') }}
            and {{ dbt.dateadd('month', corroboration, 'chains.due_month') }}
    where chains.manual_record_count > 0
        and chains.scan_record_count = 0
        and chains.recorded_delivery_date <= chains.current_promised_date
        and chains.confirmed_received_date > chains.current_promised_date
        and not exists (
            select 1 from recorded_early
            where recorded_early.source_system = chains.source_system
                and recorded_early.chain_order_id = chains.chain_order_id
        )
    group by
        chains.source_system,
        chains.chain_order_id,
        chains.manual_recorded_by,
        chains.delivery_recorded_at,
        chains.final_order_id,
        chains.recorded_delivery_date,
        chains.current_promised_date,
        chains.confirmed_received_date
    having count(distinct proven.chain_order_id) >= {{ cx_integrity('corroboration_min_records') }}

),

recreations as (

    select
        members.source_system,
        members.chain_order_id,
        min(orders.order_date) as recreated_on,
        max(orders.sales_rep_id) as sales_rep_id
    from members
    inner join orders
        on members.source_system = orders.source_system
        and members.order_id = orders.order_id
    where members.chain_position > 0
    group by members.source_system, members.chain_order_id

),

cancel_recreate as (

    select
        chains.source_system,
        chains.chain_order_id,
        'cancel_recreate_late' as signal_code,
        3 as pattern_number,
        cast(null as {{ dbt.type_string() }}) as staff_id,
        cast(recreations.recreated_on as {{ dbt.type_timestamp() }}) as signal_at,
        'order ' || chains.chain_order_id || ' (first promise '
            || cast(chains.first_promised_date as {{ dbt.type_string() }})
            || ') cancelled and re-created as ' || chains.final_order_id || ' on '
            || cast(recreations.recreated_on as {{ dbt.type_string() }}) || ', '
            || cast({{ dbt.datediff('chains.first_promised_date', 'recreations.recreated_on', 'day') }} as {{ dbt.type_string() }})
            || ' days after it was due; new promise '
            || cast(chains.current_promised_date as {{ dbt.type_string() }})
            || coalesce('; delivered ' || cast(chains.verified_delivery_date as {{ dbt.type_string() }}), '')
            as evidence
    from chains
    inner join recreations
        on chains.source_system = recreations.source_system
        and chains.chain_order_id = recreations.chain_order_id
    where chains.is_recreated
        and recreations.recreated_on >= chains.first_promised_date

),

late_record as (

    select
        source_system,
        chain_order_id,
        'late_record_no_scan' as signal_code,
        cast(null as {{ dbt.type_int() }}) as pattern_number,
        manual_recorded_by as staff_id,
        delivery_recorded_at as signal_at,
        'manual delivery of ' || final_order_id || ' typed '
            || cast(delivery_recorded_at as {{ dbt.type_string() }})
            || coalesce(' by ' || manual_recorded_by, '') || ', '
            || cast({{ dbt.datediff('first_promised_date', 'cast(delivery_recorded_at as date)', 'day') }} as {{ dbt.type_string() }})
            || ' days after the first promise; no scan event, no customer confirmation' as evidence
    from chains
    where manual_record_count > 0
        and scan_record_count = 0
        and confirmed_received_date is null
        and cast(delivery_recorded_at as date)
            >= {{ dbt.dateadd('day', late_record, 'first_promised_date') }}

),

in_full_contradicted as (

    select
        source_system,
        chain_order_id,
        'in_full_contradicted' as signal_code,
        cast(null as {{ dbt.type_int() }}) as pattern_number,
        manual_recorded_by as staff_id,
        delivery_recorded_at as signal_at,
        'delivery of ' || final_order_id || ' recorded in full; the customer confirmed a short delivery'
            as evidence
    from chains
    where is_in_full_recorded
        and not is_confirmed_in_full

),

signals as (

    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from promise_moved
    union all
    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from recorded_early
    union all
    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from recorded_early_corroborated
    union all
    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from cancel_recreate
    union all
    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from late_record
    union all
    select source_system, chain_order_id, signal_code, pattern_number, staff_id, signal_at, evidence
    from in_full_contradicted

),

ranked as (

    {#- A chain whose promise was moved twice keeps one row per signal: the latest. -#}
    select
        signals.*,
        row_number() over (
            partition by source_system, chain_order_id, signal_code order by signal_at desc
        ) as signal_rank
    from signals

)

select
    ranked.source_system,
    ranked.chain_order_id,
    chains.final_order_id,
    chains.region,
    chains.business_unit,
    chains.due_month,
    ranked.signal_code,
    ranked.pattern_number,
    ranked.pattern_number is not null as is_proven_pattern,
    coalesce(ranked.staff_id, chains.sales_rep_id) as staff_id,
    case when ranked.staff_id is null then 'sales_rep' else 'actor' end as staff_role,
    ranked.signal_at,
    ranked.evidence,
    chains.first_promised_date,
    chains.current_promised_date,
    chains.recorded_delivery_date,
    chains.verified_delivery_date,
    chains.verification_source,
    chains.is_on_time_reported,
    coalesce(chains.is_on_time_verified, false) as is_on_time_verified,
    chains.is_on_time_reported and not coalesce(chains.is_on_time_verified, false)
        as is_lifting_reported_rate
from ranked
inner join chains
    on ranked.source_system = chains.source_system
    and ranked.chain_order_id = chains.chain_order_id
where ranked.signal_rank = 1
    and not chains.is_cancelled
