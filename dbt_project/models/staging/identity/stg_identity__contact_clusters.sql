{#- One row per CRM contact with the person and customer identity resolution gave it. -#}
with

source as (

    select
        source_system,
        contact_id,
        record_id,
        person_key,
        customer_key,
        cluster_size,
        match_method,
        match_weight,
        match_probability,
        resolved_at
    from {{ source('identity', 'contact_clusters') }}

)

select
    source_system,
    contact_id,
    record_id,
    person_key,
    customer_key,
    cluster_size,
    match_method,
    match_weight,
    match_probability,
    resolved_at
from source
