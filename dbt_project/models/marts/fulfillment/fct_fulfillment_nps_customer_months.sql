{#- Fulfillment against NPS per customer and month of the first promise:
    verified and recorded OTIF of the customer's orders, scene NPS of its
    delivery surveys split by on-time and late, and relationship NPS answered
    that month. -#}
with

orders as (

    select
        order_key,
        customer_key,
        due_month,
        is_verified,
        is_on_time_verified,
        is_otif_verified,
        is_otif_recorded
    from {{ ref('fct_orders') }}
    where is_due and customer_key is not null

),

fulfillment as (

    select
        customer_key,
        due_month as period_month_start,
        count(*) as orders_due,
        sum(case when is_verified then 1 else 0 end) as orders_verified,
        sum(case when is_on_time_verified then 1 else 0 end) as orders_on_time_verified,
        sum(case when is_otif_verified then 1 else 0 end) as orders_otif_verified,
        sum(case when is_otif_recorded then 1 else 0 end) as orders_otif_recorded
    from orders
    group by customer_key, due_month

),

scene as (

    select
        orders.customer_key,
        orders.due_month as period_month_start,
        sum(responses.has_nps) as scene_n,
        sum(responses.is_promoter) as scene_promoters,
        sum(responses.is_detractor) as scene_detractors,
        sum(case when responses.order_outcome = 'on_time' then responses.has_nps else 0 end)
            as scene_n_on_time,
        sum(case when responses.order_outcome = 'on_time'
            then responses.is_promoter - responses.is_detractor else 0 end) as scene_net_on_time,
        sum(case when responses.order_outcome = 'late' then responses.has_nps else 0 end)
            as scene_n_late,
        sum(case when responses.order_outcome = 'late'
            then responses.is_promoter - responses.is_detractor else 0 end) as scene_net_late
    from orders
    inner join {{ ref('fct_survey_responses') }} as responses
        on orders.order_key = responses.order_key
    where responses.survey_type = 'delivery'
        and not responses.is_gaming_suspect
    group by orders.customer_key, orders.due_month

),

relationship as (

    select
        customer_key,
        submitted_month as period_month_start,
        sum(has_nps) as relationship_n,
        sum(is_promoter) as relationship_promoters,
        sum(is_detractor) as relationship_detractors
    from {{ ref('fct_survey_responses') }}
    where survey_type = 'relationship' and customer_key is not null
    group by customer_key, submitted_month

),

cells as (

    select customer_key, period_month_start from fulfillment
    union
    select customer_key, period_month_start from relationship

),

final as (

    select
        cells.customer_key,
        cells.period_month_start,
        {{ cx_count('coalesce(fulfillment.orders_due, 0)') }} as orders_due,
        {{ cx_count('coalesce(fulfillment.orders_verified, 0)') }} as orders_verified,
        {{ cx_count('coalesce(fulfillment.orders_on_time_verified, 0)') }}
            as orders_on_time_verified,
        {{ cx_count('coalesce(fulfillment.orders_otif_verified, 0)') }}
            as orders_otif_verified,
        {{ cx_count('coalesce(fulfillment.orders_otif_recorded, 0)') }}
            as orders_otif_recorded,
        case when fulfillment.orders_verified > 0
            then 1.0 * fulfillment.orders_otif_verified / fulfillment.orders_verified
        end as verified_otif_rate,
        case when fulfillment.orders_due > 0
            then 1.0 * fulfillment.orders_otif_recorded / fulfillment.orders_due
        end as recorded_otif_rate,
        {{ cx_count('coalesce(scene.scene_n, 0)') }} as scene_n,
        {{ cx_nps('scene.scene_promoters', 'scene.scene_detractors', 'scene.scene_n') }} as scene_nps,
        {{ cx_count('coalesce(scene.scene_n_on_time, 0)') }} as scene_n_on_time,
        case when scene.scene_n_on_time > 0
            then 100.0 * scene.scene_net_on_time / scene.scene_n_on_time
        end as scene_nps_on_time,
        {{ cx_count('coalesce(scene.scene_n_late, 0)') }} as scene_n_late,
        case when scene.scene_n_late > 0
            then 100.0 * scene.scene_net_late / scene.scene_n_late
        end as scene_nps_late,
        {{ cx_count('coalesce(relationship.relationship_n, 0)') }} as relationship_n,
        {{ cx_nps('relationship.relationship_promoters', 'relationship.relationship_detractors',
                  'relationship.relationship_n') }} as relationship_nps
    from cells
    left join fulfillment
        on cells.customer_key = fulfillment.customer_key
        and cells.period_month_start = fulfillment.period_month_start
    left join scene
        on cells.customer_key = scene.customer_key
        and cells.period_month_start = scene.period_month_start
    left join relationship
        on cells.customer_key = relationship.customer_key
        and cells.period_month_start = relationship.period_month_start

)

select * from final
