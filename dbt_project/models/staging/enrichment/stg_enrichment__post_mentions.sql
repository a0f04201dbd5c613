{#- One row per customer or brand a post names, with how it was matched. -#}
with

source as (

    select
        platform,
        post_id,
        entity_type,
        customer_key,
        matched_text,
        script,
        method,
        n_occurrences,
        linked_at
    from {{ source('enrichment', 'post_mentions') }}

)

select
    platform,
    post_id,
    entity_type,
    customer_key,
    matched_text,
    script,
    method,
    n_occurrences,
    linked_at
from source
