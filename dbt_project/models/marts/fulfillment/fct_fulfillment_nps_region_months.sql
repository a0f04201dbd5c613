{#- Fulfillment against NPS per region x business unit x month of the valid
    promise (orders due as of the data's cutoff): verified, recorded and reported fulfillment side by side, scene
    NPS of the delivery surveys on that cell's orders split by on-time and
    late, and the relationship NPS of the customers the cell delivered to.
    business_unit 'all' is the whole region, matching region-level reports. -#}
with

orders as (

    select
        order_key,
        customer_key,
        region,
        business_unit,
        due_month,
        is_verified,
        is_on_time_verified,
        is_otif_verified,
        is_on_time_recorded,
        is_otif_recorded,
        is_on_time_reported
    from {{ ref('fct_orders') }}
    where is_due

),

scoped_orders as (

    select
        order_key, customer_key, region, business_unit, due_month, is_verified,
        is_on_time_verified, is_otif_verified, is_on_time_recorded, is_otif_recorded,
        is_on_time_reported
    from orders
    union all
    select
        order_key, customer_key, region, 'all' as business_unit, due_month, is_verified,
        is_on_time_verified, is_otif_verified, is_on_time_recorded, is_otif_recorded,
        is_on_time_reported
    from orders

),

fulfillment as (

    select
        region,
        business_unit,
        due_month,
        count(*) as orders_due,
        sum(case when is_verified then 1 else 0 end) as orders_verified,
        sum(case when is_on_time_verified then 1 else 0 end) as orders_on_time_verified,
        sum(case when is_otif_verified then 1 else 0 end) as orders_otif_verified,
        sum(case when is_on_time_recorded then 1 else 0 end) as orders_on_time_recorded,
        sum(case when is_otif_recorded then 1 else 0 end) as orders_otif_recorded,
        sum(case when is_on_time_reported then 1 else 0 end) as orders_on_time_system
    from scoped_orders
    group by region, business_unit, due_month

),

scene as (

    select
        scoped_orders.region,
        scoped_orders.business_unit,
        scoped_orders.due_month,
        sum(case when responses.order_outcome = 'on_time' then responses.has_nps else 0 end)
            as scene_n_on_time,
        sum(case when responses.order_outcome = 'on_time' then responses.is_promoter else 0 end)
            as scene_promoters_on_time,
        sum(case when responses.order_outcome = 'on_time' then responses.is_detractor else 0 end)
            as scene_detractors_on_time,
        sum(case when responses.order_outcome = 'late' then responses.has_nps else 0 end)
            as scene_n_late,
        sum(case when responses.order_outcome = 'late' then responses.is_promoter else 0 end)
            as scene_promoters_late,
        sum(case when responses.order_outcome = 'late' then responses.is_detractor else 0 end)
            as scene_detractors_late,
        sum(responses.has_nps) as scene_n,
        sum(responses.is_promoter) as scene_promoters,
        sum(responses.is_detractor) as scene_detractors
    from scoped_orders
    inner join {{ ref('fct_survey_responses') }} as responses
        on scoped_orders.order_key = responses.order_key
    where responses.survey_type = 'delivery'
        {#- Scene NPS leaves survey-gaming suspects out, as the metric does. -#}
        and not responses.is_gaming_suspect
    group by scoped_orders.region, scoped_orders.business_unit, scoped_orders.due_month

),

cell_customers as (

    select distinct region, business_unit, due_month, customer_key
    from scoped_orders
    where customer_key is not null

),

relationship as (

    select
        cell_customers.region,
        cell_customers.business_unit,
        cell_customers.due_month,
        sum(responses.has_nps) as relationship_n,
        sum(responses.is_promoter) as relationship_promoters,
        sum(responses.is_detractor) as relationship_detractors
    from cell_customers
    inner join {{ ref('fct_survey_responses') }} as responses
        on cell_customers.customer_key = responses.customer_key
        and cell_customers.due_month = responses.submitted_month
    where responses.survey_type = 'relationship'
    group by cell_customers.region, cell_customers.business_unit, cell_customers.due_month

),

reports as (

    select
        region,
        business_unit,
        period_start_date as due_month,
        reported_orders_due,
        reported_orders_on_time,
        reported_on_time_rate,
        reported_otif_rate,
        submitted_by
    from {{ ref('stg_fulfillment__regional_reports') }}

),

integrity as (

    select
        region,
        business_unit,
        period_month_start as due_month,
        verdict,
        is_reported_figure_failed,
        rate_of_record
    from {{ ref('fct_integrity_region_months') }}

),

as_of as (

    select data_cutoff_date, first_provisional_month_start
    from {{ ref('int_fulfillment__as_of') }}

),

cells as (

    select region, business_unit, due_month from fulfillment
    union
    select region, business_unit, due_month from reports

),

joined as (

    select
        cells.region,
        cells.business_unit,
        cells.due_month,
        coalesce(fulfillment.orders_due, 0) as orders_due,
        coalesce(fulfillment.orders_verified, 0) as orders_verified,
        coalesce(fulfillment.orders_on_time_verified, 0) as orders_on_time_verified,
        coalesce(fulfillment.orders_otif_verified, 0) as orders_otif_verified,
        coalesce(fulfillment.orders_on_time_recorded, 0) as orders_on_time_recorded,
        coalesce(fulfillment.orders_otif_recorded, 0) as orders_otif_recorded,
        coalesce(fulfillment.orders_on_time_system, 0) as orders_on_time_system,
        reports.reported_orders_due,
        reports.reported_orders_on_time,
        reports.reported_on_time_rate,
        reports.reported_otif_rate,
        reports.submitted_by as reported_by,
        coalesce(scene.scene_n, 0) as scene_n,
        coalesce(scene.scene_promoters, 0) as scene_promoters,
        coalesce(scene.scene_detractors, 0) as scene_detractors,
        coalesce(scene.scene_n_on_time, 0) as scene_n_on_time,
        coalesce(scene.scene_promoters_on_time, 0) as scene_promoters_on_time,
        coalesce(scene.scene_detractors_on_time, 0) as scene_detractors_on_time,
        coalesce(scene.scene_n_late, 0) as scene_n_late,
        coalesce(scene.scene_promoters_late, 0) as scene_promoters_late,
        coalesce(scene.scene_detractors_late, 0) as scene_detractors_late,
        coalesce(relationship.relationship_n, 0) as relationship_n,
        coalesce(relationship.relationship_promoters, 0) as relationship_promoters,
        coalesce(relationship.relationship_detractors, 0) as relationship_detractors,
        integrity.verdict as integrity_verdict,
        integrity.is_reported_figure_failed,
        integrity.rate_of_record,
        integrity.verdict is not null as has_integrity_verdict,
        cells.due_month >= as_of.first_provisional_month_start as is_provisional,
        as_of.data_cutoff_date
    from cells
    cross join as_of
    left join fulfillment
        on cells.region is not distinct from fulfillment.region
        and cells.business_unit is not distinct from fulfillment.business_unit
        and cells.due_month = fulfillment.due_month
    left join reports
        on cells.region is not distinct from reports.region
        and cells.business_unit is not distinct from reports.business_unit
        and cells.due_month = reports.due_month
    left join scene
        on cells.region is not distinct from scene.region
        and cells.business_unit is not distinct from scene.business_unit
        and cells.due_month = scene.due_month
    left join relationship
        on cells.region is not distinct from relationship.region
        and cells.business_unit is not distinct from relationship.business_unit
        and cells.due_month = relationship.due_month
    left join integrity
        on cells.region is not distinct from integrity.region
        and cells.business_unit is not distinct from integrity.business_unit
        and cells.due_month = integrity.due_month

),

final as (

    select
        region,
        business_unit,
        due_month as period_month_start,
        {{ cx_count('orders_due') }} as orders_due,
        {{ cx_count('orders_verified') }} as orders_verified,
        {{ cx_count('orders_on_time_verified') }} as orders_on_time_verified,
        {{ cx_count('orders_otif_verified') }} as orders_otif_verified,
        {{ cx_count('orders_on_time_recorded') }} as orders_on_time_recorded,
        {{ cx_count('orders_otif_recorded') }} as orders_otif_recorded,
        {{ cx_count('orders_on_time_system') }} as orders_on_time_system,
        {#- Verified rates over verifiable orders; coverage says how many. -#}
        case when orders_verified > 0 then 1.0 * orders_on_time_verified / orders_verified end
            as verified_on_time_rate,
        {{ cx_wilson_bound('orders_on_time_verified', 'orders_verified', 'lower') }}
            as verified_on_time_ci_low,
        {{ cx_wilson_bound('orders_on_time_verified', 'orders_verified', 'upper') }}
            as verified_on_time_ci_high,
        case when orders_verified > 0 then 1.0 * orders_otif_verified / orders_verified end
            as verified_otif_rate,
        {{ cx_wilson_bound('orders_otif_verified', 'orders_verified', 'lower') }}
            as verified_otif_ci_low,
        {{ cx_wilson_bound('orders_otif_verified', 'orders_verified', 'upper') }}
            as verified_otif_ci_high,
        case when orders_due > 0 then 1.0 * orders_otif_recorded / orders_due end
            as recorded_otif_rate,
        case when orders_due > 0 then 1.0 * orders_on_time_system / orders_due end
            as system_on_time_rate,
        case when orders_due > 0 then 1.0 * orders_verified / orders_due end
            as verification_coverage,
        {{ cx_count('reported_orders_due') }} as reported_orders_due,
        {{ cx_count('reported_orders_on_time') }} as reported_orders_on_time,
        cast(reported_on_time_rate as {{ cx_type_double() }}) as reported_on_time_rate,
        cast(reported_otif_rate as {{ cx_type_double() }}) as reported_otif_rate,
        reported_by,
        case when orders_verified > 0 and reported_on_time_rate is not null
            then 100.0 * (reported_on_time_rate - 1.0 * orders_on_time_verified / orders_verified)
        end as integrity_gap_points,
        {{ cx_count('scene_n') }} as scene_n,
        {{ cx_count('scene_promoters') }} as scene_promoters,
        {{ cx_count('scene_detractors') }} as scene_detractors,
        {{ cx_nps('scene_promoters', 'scene_detractors', 'scene_n') }} as scene_nps,
        {{ cx_count('scene_n_on_time') }} as scene_n_on_time,
        {{ cx_count('scene_promoters_on_time') }} as scene_promoters_on_time,
        {{ cx_count('scene_detractors_on_time') }} as scene_detractors_on_time,
        {{ cx_nps('scene_promoters_on_time', 'scene_detractors_on_time', 'scene_n_on_time') }}
            as scene_nps_on_time,
        {{ cx_count('scene_n_late') }} as scene_n_late,
        {{ cx_count('scene_promoters_late') }} as scene_promoters_late,
        {{ cx_count('scene_detractors_late') }} as scene_detractors_late,
        {{ cx_nps('scene_promoters_late', 'scene_detractors_late', 'scene_n_late') }}
            as scene_nps_late,
        {{ cx_count('relationship_n') }} as relationship_n,
        {{ cx_count('relationship_promoters') }} as relationship_promoters,
        {{ cx_count('relationship_detractors') }} as relationship_detractors,
        {{ cx_nps('relationship_promoters', 'relationship_detractors', 'relationship_n') }}
            as relationship_nps,
        {#- The rate of record is fct_integrity_region_months' where the cell
            was reported (the reported figure only when its verdict is ok);
            the verified rate where nothing was reported. -#}
        integrity_verdict,
        coalesce(is_reported_figure_failed, false) as is_reported_figure_failed,
        case
            when is_reported_figure_failed then 'failed'
            when reported_on_time_rate is null then 'not_reported'
            when integrity_verdict = 'suspect' then 'suspect'
            else 'passed'
        end as reported_figure_status,
        case
            when has_integrity_verdict then rate_of_record
            when orders_verified > 0 then 1.0 * orders_on_time_verified / orders_verified
        end as on_time_rate_of_record,
        is_provisional,
        data_cutoff_date
    from joined

)

select * from final
