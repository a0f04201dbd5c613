{#- The verified side of every region x business unit x month (by the month
    of the VALID promise, orders due as of the data's cutoff), plus a
    business_unit = 'all' row per region and month for whole-region reports:
    orders due, verifiable (confirmed, scanned or overdue-open), on time
    verified and defensible, orders carrying each proven pattern and how many of them the
    reported figure counts on time although the customer did not get them on
    time, delivery-survey invitations of late vs on-time orders, and the
    staff behind the signals. fct_integrity_region_months sets these against
    what the region reported. -#}
with

chains as (

    select * from {{ ref('int_integrity__chain_outcomes') }}
    where not is_cancelled

),

signals as (

    select distinct
        region,
        business_unit,
        due_month,
        staff_id
    from {{ ref('int_integrity__order_signals') }}
    where is_proven_pattern
        and staff_role = 'actor'

),

senders as (

    select distinct
        region,
        business_unit,
        due_month,
        sent_by
    from {{ ref('int_integrity__survey_senders') }}
    where is_ten_cluster

),

{%- set levels = [('bu', 'business_unit'), ('all', "'all'")] %}
{% for level, bu in levels %}
by_first_{{ level }} as (

    select
        region,
        {{ bu }} as business_unit,
        due_month as period_month_start,
        count(*) as orders_due_verified,
        sum(case when is_verified then 1 else 0 end) as orders_verifiable,
        sum(case when is_on_time_verified then 1 else 0 end) as orders_on_time_verified,
        sum(case when is_on_time_defensible then 1 else 0 end) as orders_on_time_defensible,
        sum(case when is_on_time_reported then 1 else 0 end) as orders_on_time_recomputed,
        sum(case when is_unverified then 1 else 0 end) as orders_unverified,
        sum(case when has_promise_moved then 1 else 0 end) as orders_promise_moved,
        sum(case when has_recorded_early then 1 else 0 end) as orders_recorded_early,
        sum(case when has_cancel_recreate then 1 else 0 end) as orders_cancel_recreate,
        sum(case when has_late_record then 1 else 0 end) as orders_late_record_no_scan,
        sum(case when has_in_full_contradicted then 1 else 0 end) as orders_in_full_contradicted,
        {%- for n, name in [(1, 'promise_moved'), (2, 'recorded_early'), (3, 'cancel_recreate')] %}
        {#- An order a pattern hides: the pattern is proven on it and the
            customer did not get it on time. -#}
        sum(case
            when primary_pattern_number = {{ n }} and not is_on_time_verified then 1 else 0
        end) as lifted_{{ name }},
        {%- endfor %}
        sum(case
            when not has_proven_signal and is_unverified and is_on_time_reported then 1 else 0
        end) as lifted_unverified,
        sum(case when is_verified_late then 1 else 0 end) as orders_late_delivered,
        sum(case when is_verified_late and delivery_invitation_count > 0 then 1 else 0 end)
            as orders_late_invited,
        sum(case when is_on_time_verified then 1 else 0 end) as orders_on_time_delivered,
        sum(case when is_on_time_verified and delivery_invitation_count > 0 then 1 else 0 end)
            as orders_on_time_invited
    from chains
    where is_due
    group by region, {{ bu if level == 'all' else 'business_unit' }}, due_month

),

by_current_{{ level }} as (

    select
        region,
        {{ bu }} as business_unit,
        current_due_month as period_month_start,
        count(*) as orders_due_current_promise,
        {#- What the region's own records support: recorded delivery vs the
            current promise (or, with no record in yet, a confirmation or scan
            by then, or pending data), by the month of the current promise. -#}
        sum(case when is_on_time_supported_current or is_pending_data then 1 else 0 end)
            as orders_on_time_recorded_current
    from chains
    group by region, {{ bu if level == 'all' else 'business_unit' }}, current_due_month

),

staff_{{ level }} as (

    select
        region,
        {{ bu }} as business_unit,
        due_month as period_month_start,
        {{ dbt.listagg('staff_id', "', '", 'order by staff_id') }} as signal_staff_ids
    from (select distinct region, {{ bu }} as business_unit, due_month, staff_id from signals) as s
    group by region, {{ bu if level == 'all' else 'business_unit' }}, due_month

),

senders_{{ level }} as (

    select
        region,
        {{ bu }} as business_unit,
        due_month as period_month_start,
        {{ dbt.listagg('sent_by', "', '", 'order by sent_by') }} as ten_cluster_senders
    from (select distinct region, {{ bu }} as business_unit, due_month, sent_by from senders) as s
    group by region, {{ bu if level == 'all' else 'business_unit' }}, due_month

),

cells_{{ level }} as (

    select
        coalesce(f.region, c.region) as region,
        coalesce(f.business_unit, c.business_unit) as business_unit,
        coalesce(f.period_month_start, c.period_month_start) as period_month_start,
        coalesce(c.orders_due_current_promise, 0) as orders_due_current_promise,
        coalesce(c.orders_on_time_recorded_current, 0) as orders_on_time_recorded_current,
        f.orders_due_verified,
        f.orders_verifiable,
        f.orders_on_time_verified,
        f.orders_on_time_defensible,
        f.orders_on_time_recomputed,
        f.orders_unverified,
        f.orders_promise_moved,
        f.orders_recorded_early,
        f.orders_cancel_recreate,
        f.orders_late_record_no_scan,
        f.orders_in_full_contradicted,
        f.lifted_promise_moved,
        f.lifted_recorded_early,
        f.lifted_cancel_recreate,
        f.lifted_unverified,
        f.orders_late_delivered,
        f.orders_late_invited,
        f.orders_on_time_delivered,
        f.orders_on_time_invited
    from by_first_{{ level }} as f
    full outer join by_current_{{ level }} as c
        on f.region is not distinct from c.region
        and f.business_unit is not distinct from c.business_unit
        and f.period_month_start = c.period_month_start

),
{% endfor %}

cells as (

    {% for level, bu in levels -%}
    select
        cells.*,
        staff.signal_staff_ids,
        senders.ten_cluster_senders
    from cells_{{ level }} as cells
    left join staff_{{ level }} as staff
        on cells.region is not distinct from staff.region
        and cells.business_unit is not distinct from staff.business_unit
        and cells.period_month_start = staff.period_month_start
    left join senders_{{ level }} as senders
        on cells.region is not distinct from senders.region
        and cells.business_unit is not distinct from senders.business_unit
        and cells.period_month_start = senders.period_month_start
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

)

select
    region,
    business_unit,
    period_month_start,
    coalesce(orders_due_verified, 0) as orders_due_verified,
    coalesce(orders_verifiable, 0) as orders_verifiable,
    orders_due_current_promise,
    orders_on_time_recorded_current,
    coalesce(orders_on_time_verified, 0) as orders_on_time_verified,
    coalesce(orders_on_time_defensible, 0) as orders_on_time_defensible,
    coalesce(orders_on_time_recomputed, 0) as orders_on_time_recomputed,
    coalesce(orders_unverified, 0) as orders_unverified,
    coalesce(orders_promise_moved, 0) as orders_promise_moved,
    coalesce(orders_recorded_early, 0) as orders_recorded_early,
    coalesce(orders_cancel_recreate, 0) as orders_cancel_recreate,
    coalesce(orders_late_record_no_scan, 0) as orders_late_record_no_scan,
    coalesce(orders_in_full_contradicted, 0) as orders_in_full_contradicted,
    coalesce(lifted_promise_moved, 0) as lifted_promise_moved,
    coalesce(lifted_recorded_early, 0) as lifted_recorded_early,
    coalesce(lifted_cancel_recreate, 0) as lifted_cancel_recreate,
    coalesce(lifted_unverified, 0) as lifted_unverified,
    coalesce(orders_late_delivered, 0) as orders_late_delivered,
    coalesce(orders_late_invited, 0) as orders_late_invited,
    coalesce(orders_on_time_delivered, 0) as orders_on_time_delivered,
    coalesce(orders_on_time_invited, 0) as orders_on_time_invited,
    signal_staff_ids,
    ten_cluster_senders
from cells
