{#- Every order with the chain it belongs to. A re-created order
    (replaces_order_id) continues the chain of the order it replaces, so a
    late order that was cancelled and re-created with a fresh promise is still
    measured against the promise its customer was first given. Chains are
    unrolled to a fixed depth (var cx_order_chain_max_depth) with plain joins
    rather than a recursive CTE, which not every adapter runs. -#}
{%- set max_depth = var('cx_order_chain_max_depth') -%}
with

orders as (

    select
        source_system,
        order_id,
        replaces_order_id,
        order_date
    from {{ ref('stg_fulfillment__orders') }}

),

successors as (

    {#- One successor per order: if two orders claim to replace the same one,
        the later re-creation continues the chain; the other starts its own. -#}
    select
        source_system,
        replaces_order_id as order_id,
        order_id as successor_order_id
    from (
        select
            recreated.source_system,
            recreated.replaces_order_id,
            recreated.order_id,
            row_number() over (
                partition by recreated.source_system, recreated.replaces_order_id
                order by recreated.order_date desc, recreated.order_id desc
            ) as successor_rank
        from orders as recreated
        {#- A reference to an order we never received starts a chain of its own. #}
        inner join orders as replaced
            on recreated.source_system = replaced.source_system
            and recreated.replaces_order_id = replaced.order_id
        where recreated.order_id != replaced.order_id
    ) as ranked
    where successor_rank = 1

),

roots as (

    select
        orders.source_system,
        orders.order_id
    from orders
    left join successors
        on orders.source_system = successors.source_system
        and orders.order_id = successors.successor_order_id
    where successors.successor_order_id is null

),

level_0 as (

    select
        source_system,
        order_id as chain_order_id,
        order_id,
        0 as chain_position
    from roots

),
{% for depth in range(1, max_depth + 1) %}
level_{{ depth }} as (

    select
        previous.source_system,
        previous.chain_order_id,
        successors.successor_order_id as order_id,
        {{ depth }} as chain_position
    from level_{{ depth - 1 }} as previous
    inner join successors
        on previous.source_system = successors.source_system
        and previous.order_id = successors.order_id

),
{% endfor %}
members as (

    {% for depth in range(0, max_depth + 1) -%}
    select source_system, chain_order_id, order_id, chain_position from level_{{ depth }}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

final as (

    select
        source_system,
        chain_order_id,
        order_id,
        chain_position,
        max(chain_position) over (
            partition by source_system, chain_order_id
        ) as chain_length_minus_one
    from members

)

select
    source_system,
    chain_order_id,
    order_id,
    chain_position,
    chain_position = chain_length_minus_one as is_final_order
from final
