{#- One row per survey response with its respondent's contact, person and customer. -#}
with

source as (

    select
        response_id,
        person_key,
        contact_source_system,
        contact_id,
        contact_match_method,
        contact_match_weight,
        contact_match_probability,
        customer_key,
        customer_method,
        linked_at
    from {{ source('identity', 'response_links') }}

)

select
    response_id,
    person_key,
    contact_source_system,
    contact_id,
    contact_match_method,
    contact_match_weight,
    contact_match_probability,
    customer_key,
    customer_method,
    linked_at
from source
