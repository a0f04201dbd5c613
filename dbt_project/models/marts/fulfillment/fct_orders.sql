{#- One row per order chain, with the customer it belongs to and the three
    on-time views side by side (reported / recorded / verified), judged
    against the valid promise (int_fulfillment__order_chains). is_due: the
    valid promise is on or before the data's cutoff and the chain was not
    cancelled. -#}
with

chains as (

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
        is_due,
        is_provisional,
        first_promised_date,
        valid_promised_date,
        current_promised_date,
        due_month,
        promise_change_count,
        recorded_delivered_at,
        recorded_delivery_date,
        quantity_delivered,
        scan_delivery_date,
        manual_record_count,
        scan_record_count,
        confirmed_received_date,
        is_confirmed_in_full,
        is_confirmation_issue_reported,
        confirmation_issue_type,
        confirmed_at,
        verified_delivery_date,
        verification_source,
        is_verified,
        is_in_full_verified,
        is_on_time_reported,
        is_on_time_recorded,
        is_on_time_verified,
        is_otif_reported,
        is_otif_recorded,
        is_otif_verified,
        verified_days_late
    from {{ ref('int_fulfillment__order_chains') }}

),

accounts as (

    select
        source_system,
        account_id,
        customer_key
    from {{ ref('bridge_customer_accounts') }}

),

final as (

    select
        {{ dbt.concat(['chains.source_system', "'|'", 'chains.chain_order_id']) }} as order_key,
        chains.source_system,
        chains.chain_order_id,
        chains.final_order_id,
        chains.chain_order_count,
        chains.is_recreated,
        accounts.customer_key,
        chains.account_source_system,
        chains.account_id,
        chains.region,
        chains.business_unit,
        chains.product_category,
        chains.sales_rep_id,
        chains.order_date,
        chains.requested_date,
        chains.quantity,
        chains.amount_cny,
        chains.final_order_status,
        chains.is_cancelled,
        chains.is_due,
        chains.is_provisional,
        chains.first_promised_date,
        chains.valid_promised_date,
        chains.current_promised_date,
        chains.due_month,
        chains.promise_change_count,
        chains.recorded_delivered_at,
        chains.recorded_delivery_date,
        chains.quantity_delivered,
        chains.scan_delivery_date,
        chains.manual_record_count,
        chains.scan_record_count,
        chains.confirmed_received_date,
        chains.is_confirmed_in_full,
        chains.is_confirmation_issue_reported,
        chains.confirmation_issue_type,
        chains.confirmed_at,
        chains.verified_delivery_date,
        chains.verification_source,
        chains.is_verified,
        chains.is_in_full_verified,
        chains.is_on_time_reported,
        chains.is_on_time_recorded,
        chains.is_on_time_verified,
        chains.is_otif_reported,
        chains.is_otif_recorded,
        chains.is_otif_verified,
        chains.verified_days_late
    from chains
    left join accounts
        on chains.account_source_system = accounts.source_system
        and chains.account_id = accounts.account_id

)

select * from final
