{#- One row per order chain (an order and the re-creations that replaced it),
    judged against its VALID promise (README, "Metric definitions"):
      valid promise - the first promise, moved only by revisions logged
                 strictly before the promise they replace fell due and before
                 any recorded delivery (a customer's deferral asked for in
                 time); the first late revision ends the run, it and every
                 later one are ignored. A re-created order keeps its
                 predecessor's valid promise. The chain is due in the month of
                 its valid promise, and only once that date is on or before
                 the data's cutoff (int_fulfillment__as_of).
    Three on-time views side by side:
      reported - what the region's system computes: recorded delivery against
                 the promise as it stands now on the last order of the chain;
      recorded - recorded delivery against the valid promise;
      verified - customer-confirmed receipt (else a scan event; the earlier
                 of the two when both exist) against the valid promise. An open order with no delivery by anyone's
                 record whose valid promise is more than the confirmation
                 window before the cutoff is verified late (overdue). Any other
                 order without a confirmation or scan is unverified: its
                 verified flags are NULL and it leaves the verified rate's
                 denominator (counted in verification coverage instead).
    Confirmations come from the customer's channel (mini program, SMS gateway),
    whose source_system is that channel, so they join on order_id alone. -#}
with

members as (

    select
        source_system,
        chain_order_id,
        order_id,
        chain_position,
        is_final_order
    from {{ ref('int_fulfillment__order_chain_members') }}

),

orders as (

    select
        source_system,
        order_id,
        account_source_system,
        account_id,
        order_date,
        requested_date,
        current_promised_date,
        region,
        business_unit,
        product_category,
        quantity,
        amount_cny,
        order_status,
        sales_rep_id
    from {{ ref('stg_fulfillment__orders') }}

),

promise_changes as (

    select
        source_system,
        order_id,
        old_promised_date,
        new_promised_date,
        changed_at,
        changed_by,
        row_number() over (
            partition by source_system, order_id order by changed_at asc, new_promised_date asc
        ) as change_number
    from {{ ref('stg_fulfillment__promise_changes') }}

),

as_of as (

    select
        data_cutoff_date,
        confirmation_window_days,
        first_provisional_month_start
    from {{ ref('int_fulfillment__as_of') }}

),

first_promises as (

    {#- The promise before any revision: the old date of the first change. -#}
    select
        source_system,
        order_id,
        old_promised_date as first_promised_date
    from promise_changes
    where change_number = 1

),

chain_first_records as (

    select
        members.source_system,
        members.chain_order_id,
        min(delivery_records.delivered_at) as first_recorded_delivered_at
    from members
    inner join {{ ref('stg_fulfillment__deliveries') }} as delivery_records
        on members.source_system = delivery_records.source_system
        and members.order_id = delivery_records.order_id
    group by members.source_system, members.chain_order_id

),

root_change_timing as (

    {#- The first order's revisions: in time when logged before the date they
        replace and before any delivery on the chain was recorded. -#}
    select
        promise_changes.source_system,
        promise_changes.order_id,
        promise_changes.change_number,
        promise_changes.new_promised_date,
        case
            when cast(promise_changes.changed_at as date) < promise_changes.old_promised_date
                and (
                    chain_first_records.first_recorded_delivered_at is null
                    or promise_changes.changed_at < chain_first_records.first_recorded_delivered_at
                )
                then 1
            else 0
        end as is_in_time
    from promise_changes
    left join chain_first_records
        on promise_changes.source_system = chain_first_records.source_system
        and promise_changes.order_id = chain_first_records.chain_order_id

),

honoured_changes as (

    select
        source_system,
        order_id,
        change_number,
        new_promised_date,
        min(is_in_time) over (
            partition by source_system, order_id
            order by change_number
            rows between unbounded preceding and current row
        ) as is_honoured
    from root_change_timing

),

valid_promises as (

    select
        source_system,
        order_id,
        new_promised_date as valid_promised_date,
        honoured_change_count
    from (
        select
            source_system,
            order_id,
            new_promised_date,
            count(*) over (partition by source_system, order_id) as honoured_change_count,
            row_number() over (
                partition by source_system, order_id order by change_number desc
            ) as honoured_rank
        from honoured_changes
        where is_honoured = 1
    ) as ranked
    where honoured_rank = 1

),

chain_changes as (

    select
        members.source_system,
        members.chain_order_id,
        count(*) as promise_change_count,
        max(promise_changes.changed_at) as last_promise_changed_at
    from members
    inner join promise_changes
        on members.source_system = promise_changes.source_system
        and members.order_id = promise_changes.order_id
    group by members.source_system, members.chain_order_id

),

deliveries as (

    select
        source_system,
        order_id,
        count(*) as delivery_record_count,
        max(delivered_at) as recorded_delivered_at,
        max(recorded_at) as delivery_recorded_at,
        sum(quantity_delivered) as quantity_delivered,
        max(case when entry_channel = 'scan' then delivered_at end) as scan_delivered_at,
        sum(case when entry_channel = 'manual' then 1 else 0 end) as manual_record_count,
        sum(case when entry_channel = 'scan' then 1 else 0 end) as scan_record_count,
        max(case when entry_channel = 'manual' then recorded_by end) as manual_recorded_by,
        max(case when is_pod_signed then 1 else 0 end) as pod_signed_flag
    from {{ ref('stg_fulfillment__deliveries') }}
    group by source_system, order_id

),

confirmations as (

    select
        order_id,
        received_date,
        is_received_in_full,
        is_issue_reported,
        issue_type,
        confirmed_at
    from (
        select
            order_id,
            received_date,
            is_received_in_full,
            is_issue_reported,
            issue_type,
            confirmed_at,
            row_number() over (
                partition by order_id order by confirmed_at desc, confirmation_id desc
            ) as confirmation_rank
        from {{ ref('stg_fulfillment__confirmations') }}
    ) as ranked
    where confirmation_rank = 1

),

chains as (

    select
        members.source_system,
        members.chain_order_id,
        max(case when members.is_final_order then members.order_id end) as final_order_id,
        count(*) as chain_order_count
    from members
    group by members.source_system, members.chain_order_id

),

joined as (

    select
        chains.source_system,
        chains.chain_order_id,
        chains.final_order_id,
        chains.chain_order_count,
        root.account_source_system,
        root.account_id,
        root.region,
        root.business_unit,
        root.product_category,
        root.sales_rep_id,
        root.order_date,
        root.requested_date,
        final_order.quantity,
        final_order.amount_cny,
        final_order.order_status as final_order_status,
        coalesce(first_promises.first_promised_date, root.current_promised_date)
            as first_promised_date,
        coalesce(
            valid_promises.valid_promised_date,
            first_promises.first_promised_date,
            root.current_promised_date
        ) as valid_promised_date,
        coalesce(valid_promises.honoured_change_count, 0) as honoured_change_count,
        as_of.data_cutoff_date,
        as_of.confirmation_window_days,
        as_of.first_provisional_month_start,
        final_order.current_promised_date,
        coalesce(chain_changes.promise_change_count, 0) as promise_change_count,
        chain_changes.last_promise_changed_at,
        deliveries.delivery_record_count,
        deliveries.recorded_delivered_at,
        deliveries.delivery_recorded_at,
        deliveries.quantity_delivered,
        deliveries.scan_delivered_at,
        deliveries.manual_record_count,
        deliveries.scan_record_count,
        deliveries.manual_recorded_by,
        deliveries.pod_signed_flag,
        confirmations.received_date as confirmed_received_date,
        confirmations.is_received_in_full as is_confirmed_in_full,
        confirmations.is_issue_reported as is_confirmation_issue_reported,
        confirmations.issue_type as confirmation_issue_type,
        confirmations.confirmed_at
    from chains
    cross join as_of
    inner join orders as root
        on chains.source_system = root.source_system
        and chains.chain_order_id = root.order_id
    inner join orders as final_order
        on chains.source_system = final_order.source_system
        and chains.final_order_id = final_order.order_id
    left join first_promises
        on chains.source_system = first_promises.source_system
        and chains.chain_order_id = first_promises.order_id
    left join valid_promises
        on chains.source_system = valid_promises.source_system
        and chains.chain_order_id = valid_promises.order_id
    left join chain_changes
        on chains.source_system = chain_changes.source_system
        and chains.chain_order_id = chain_changes.chain_order_id
    left join deliveries
        on chains.source_system = deliveries.source_system
        and chains.final_order_id = deliveries.order_id
    left join confirmations
        on chains.final_order_id = confirmations.order_id

),

dated as (

    select
        *,
        cast(recorded_delivered_at as date) as recorded_delivery_date,
        cast(scan_delivered_at as date) as scan_delivery_date,
        {#- Both the customer's word and a scan are beyond the region's reach;
            when both exist, the earlier is when the goods demonstrably
            arrived (a customer often taps the confirmation a day late). -#}
        case
            when confirmed_received_date is not null and scan_delivered_at is not null
                then least(confirmed_received_date, cast(scan_delivered_at as date))
            else coalesce(confirmed_received_date, cast(scan_delivered_at as date))
        end as verified_delivery_date,
        case
            when confirmed_received_date is not null then 'customer_confirmation'
            when scan_delivered_at is not null then 'scan_event'
            when recorded_delivered_at is not null then 'unverified'
            when final_order_status = 'open'
                and valid_promised_date < {{ dbt.dateadd('day', '-confirmation_window_days', 'data_cutoff_date') }}
                then 'overdue_open'
            else 'not_delivered'
        end as verification_source,
        {#- In full: the customer's word, else the scanned quantity. -#}
        case
            when confirmed_received_date is not null then is_confirmed_in_full
            when scan_delivered_at is not null then quantity_delivered >= quantity
        end as is_in_full_verified,
        recorded_delivered_at is not null and quantity_delivered >= quantity
            as is_in_full_recorded,
        final_order_status = 'cancelled' as is_cancelled,
        chain_order_count > 1 as is_recreated
    from joined

),

verified as (

    select
        *,
        verification_source in ('customer_confirmation', 'scan_event', 'overdue_open')
            as is_verified,
        not is_cancelled and valid_promised_date <= data_cutoff_date as is_due,
        {#- NULL when unverified: unknown is neither on time nor late. -#}
        case
            when verification_source = 'overdue_open' then false
            when verification_source in ('customer_confirmation', 'scan_event')
                then verified_delivery_date <= valid_promised_date
        end as is_on_time_verified,
        case
            when verification_source = 'overdue_open' then false
            when verification_source in ('customer_confirmation', 'scan_event')
                then verified_delivery_date <= valid_promised_date
                    and coalesce(is_in_full_verified, false)
        end as is_otif_verified
    from dated

),

final as (

    select
        source_system,
        chain_order_id,
        final_order_id,
        chain_order_count,
        is_recreated,
        account_source_system,
        account_id,
        region,
        business_unit,
        product_category,
        sales_rep_id,
        order_date,
        requested_date,
        quantity,
        amount_cny,
        final_order_status,
        is_cancelled,
        first_promised_date,
        valid_promised_date,
        current_promised_date,
        {{ cx_count('honoured_change_count') }} as honoured_change_count,
        cast({{ dbt.date_trunc('month', 'valid_promised_date') }} as date) as due_month,
        data_cutoff_date,
        is_due,
        cast({{ dbt.date_trunc('month', 'valid_promised_date') }} as date)
            >= first_provisional_month_start as is_provisional,
        promise_change_count,
        last_promise_changed_at,
        coalesce(delivery_record_count, 0) as delivery_record_count,
        recorded_delivered_at,
        recorded_delivery_date,
        delivery_recorded_at,
        cast(quantity_delivered as decimal(18, 3)) as quantity_delivered,
        scan_delivered_at,
        scan_delivery_date,
        {{ cx_count('coalesce(manual_record_count, 0)') }} as manual_record_count,
        {{ cx_count('coalesce(scan_record_count, 0)') }} as scan_record_count,
        manual_recorded_by,
        pod_signed_flag = 1 as is_pod_signed,
        confirmed_received_date,
        is_confirmed_in_full,
        is_confirmation_issue_reported,
        confirmation_issue_type,
        confirmed_at,
        verified_delivery_date,
        verification_source,
        is_verified,
        is_in_full_verified,
        is_in_full_recorded,
        coalesce(recorded_delivery_date <= current_promised_date, false) as is_on_time_reported,
        coalesce(recorded_delivery_date <= valid_promised_date, false) as is_on_time_recorded,
        is_on_time_verified,
        coalesce(
            recorded_delivery_date <= current_promised_date and is_in_full_recorded, false
        ) as is_otif_reported,
        coalesce(
            recorded_delivery_date <= valid_promised_date and is_in_full_recorded, false
        ) as is_otif_recorded,
        is_otif_verified,
        {{ dbt.datediff('valid_promised_date', 'verified_delivery_date', 'day') }}
            as verified_days_late
    from verified

)

select * from final
