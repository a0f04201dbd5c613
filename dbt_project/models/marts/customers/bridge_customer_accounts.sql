with

accounts as (

    select
        source_system,
        account_id,
        customer_key,
        account_name,
        match_method,
        match_probability,
        match_weight,
        cluster_size,
        survivorship_rank
    from {{ ref('int_customer__accounts') }}

)

select
    source_system,
    account_id,
    customer_key,
    account_name,
    match_method,
    cast(match_probability as double) as match_probability,
    cast(match_weight as double) as match_weight,
    cast(cluster_size as bigint) as accounts_in_customer,
    survivorship_rank = 1 as is_survivor
from accounts
