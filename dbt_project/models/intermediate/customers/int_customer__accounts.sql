{#- One row per CRM account with its resolved customer and a survivorship rank:
    rank 1 is the account whose name and attributes represent the customer. -#}
with

clusters as (

    select
        source_system,
        account_id,
        customer_key,
        cluster_size,
        match_method,
        match_weight,
        match_probability,
        name_script,
        valid_credit_code
    from {{ ref('stg_identity__account_clusters') }}

),

accounts as (

    select
        source_system,
        account_id,
        account_name,
        parent_account_id,
        industry,
        region,
        segment,
        business_unit,
        account_manager_id,
        city,
        updated_at
    from {{ ref('stg_crm__accounts') }}

),

joined as (

    select
        clusters.customer_key,
        clusters.source_system,
        clusters.account_id,
        accounts.account_name,
        clusters.name_script,
        clusters.valid_credit_code,
        accounts.parent_account_id,
        accounts.industry,
        accounts.region,
        accounts.segment,
        accounts.business_unit,
        accounts.account_manager_id,
        accounts.city,
        accounts.updated_at,
        clusters.cluster_size,
        clusters.match_method,
        clusters.match_weight,
        clusters.match_probability
    from clusters
    inner join accounts
        on accounts.source_system = clusters.source_system
        and accounts.account_id = clusters.account_id

),

name_counts as (

    select
        customer_key,
        account_name,
        count(*) as n_same_name
    from joined
    group by customer_key, account_name

),

ranked as (

    select
        joined.customer_key,
        joined.source_system,
        joined.account_id,
        joined.account_name,
        joined.name_script,
        joined.valid_credit_code,
        joined.parent_account_id,
        joined.industry,
        joined.region,
        joined.segment,
        joined.business_unit,
        joined.account_manager_id,
        joined.city,
        joined.updated_at,
        joined.cluster_size,
        joined.match_method,
        joined.match_weight,
        joined.match_probability,
        -- Survivorship: the preferred script (a Chinese legal name), an account
        -- with a valid credit code, the spelling most accounts share, the
        -- fuller name, the latest update; ids break ties.
        row_number() over (
            partition by joined.customer_key
            order by
                case when joined.name_script = '{{ var("cx_customer_name_script") }}' then 0 else 1 end,
                case when joined.valid_credit_code is not null then 0 else 1 end,
                name_counts.n_same_name desc,
                {{ dbt.length('joined.account_name') }} desc,
                case when joined.updated_at is null then 1 else 0 end,
                joined.updated_at desc,
                joined.source_system,
                joined.account_id
        ) as survivorship_rank,
        row_number() over (
            partition by joined.customer_key, joined.name_script
            order by
                name_counts.n_same_name desc,
                {{ dbt.length('joined.account_name') }} desc,
                joined.source_system,
                joined.account_id
        ) as script_rank
    from joined
    inner join name_counts
        on name_counts.customer_key = joined.customer_key
        and name_counts.account_name is not distinct from joined.account_name

)

select
    customer_key,
    source_system,
    account_id,
    account_name,
    name_script,
    valid_credit_code,
    parent_account_id,
    industry,
    region,
    segment,
    business_unit,
    account_manager_id,
    city,
    updated_at,
    cluster_size,
    match_method,
    match_weight,
    match_probability,
    survivorship_rank,
    script_rank
from ranked
