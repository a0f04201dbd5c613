{#- One row per order chain x integrity signal: which order, which staff,
    which month, which pattern, the evidence, and whether the reported figure
    counts it on time although the customer did not get it on time. -#}
select
    source_system,
    chain_order_id,
    final_order_id,
    region,
    business_unit,
    due_month as period_month_start,
    signal_code,
    case signal_code
        when 'promise_moved_after_due' then 'promise_moved'
        when 'delivery_recorded_early' then 'delivery_recorded_early'
        when 'cancel_recreate_late' then 'cancel_recreate'
        else 'other'
    end as pattern,
    cast(pattern_number as {{ dbt.type_int() }}) as pattern_number,
    is_proven_pattern,
    staff_id,
    staff_role,
    signal_at,
    evidence,
    first_promised_date,
    current_promised_date,
    recorded_delivery_date,
    verified_delivery_date,
    verification_source,
    is_on_time_reported,
    is_on_time_verified,
    is_proven_pattern and not is_on_time_verified as is_hidden_late
from {{ ref('int_integrity__order_signals') }}
