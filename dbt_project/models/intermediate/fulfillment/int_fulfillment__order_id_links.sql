{#- Surveys name an order by its id alone, without the order system. An id found
    in exactly one order system links to that order's chain; an id found in two
    links to neither (never a guess). -#}
select
    order_id,
    max(source_system) as source_system,
    max(chain_order_id) as chain_order_id
from {{ ref('int_fulfillment__order_chain_members') }}
group by order_id
having count(*) = 1
