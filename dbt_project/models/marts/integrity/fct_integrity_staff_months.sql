{#- One row per staff member x region x business unit x month x pattern with
    proven signals: the auditor's and region head's view of who did what, and
    how many points of that month's reported on-time rate it explains. -#}
with

signals as (

    select
        staff_id,
        staff_role,
        region,
        business_unit,
        period_month_start,
        pattern,
        count(*) as orders_signalled,
        sum(case when is_hidden_late then 1 else 0 end) as orders_hidden_late,
        min(signal_at) as first_signal_at,
        max(signal_at) as last_signal_at
    from {{ ref('fct_integrity_order_signals') }}
    where is_proven_pattern
    group by staff_id, staff_role, region, business_unit, period_month_start, pattern

),

months as (

    select
        region,
        business_unit,
        period_month_start,
        orders_due_reported,
        reported_on_time_rate,
        verified_on_time_rate,
        verdict
    from {{ ref('fct_integrity_region_months') }}

)

select
    signals.staff_id,
    signals.staff_role,
    signals.region,
    signals.business_unit,
    signals.period_month_start,
    signals.pattern,
    cast(signals.orders_signalled as {{ dbt.type_int() }}) as orders_signalled,
    cast(signals.orders_hidden_late as {{ dbt.type_int() }}) as orders_hidden_late,
    cast(
        100.0 * signals.orders_hidden_late / nullif(months.orders_due_reported, 0)
        as {{ cx_type_double() }}
    ) as points_of_reported_rate,
    months.reported_on_time_rate,
    months.verified_on_time_rate,
    months.verdict,
    signals.first_signal_at,
    signals.last_signal_at
from signals
left join months
    on signals.region is not distinct from months.region
    and signals.business_unit is not distinct from months.business_unit
    and signals.period_month_start = months.period_month_start
