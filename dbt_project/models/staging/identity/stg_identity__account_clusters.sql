{#- One row per CRM account with the customer identity resolution gave it. -#}
with

source as (

    select
        source_system,
        account_id,
        record_id,
        customer_key,
        cluster_size,
        match_method,
        match_weight,
        match_probability,
        name_key,
        name_industry,
        name_script,
        valid_credit_code,
        website_domain,
        resolved_at
    from {{ source('identity', 'account_clusters') }}

)

select
    source_system,
    account_id,
    record_id,
    customer_key,
    cluster_size,
    match_method,
    match_weight,
    match_probability,
    name_key,
    name_industry,
    name_script,
    valid_credit_code,
    website_domain,
    resolved_at
from source
