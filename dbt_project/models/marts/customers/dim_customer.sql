{#- One row per real customer, resolved across CRM instances. The key is
    stable across runs (identity/keys.py); attributes follow survivorship
    rules (int_customer__accounts). -#}
with

accounts as (

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
        match_probability,
        survivorship_rank,
        script_rank
    from {{ ref('int_customer__accounts') }}

),

survivor as (

    select
        customer_key,
        account_name as customer_name,
        city
    from accounts
    where survivorship_rank = 1

),

english_name as (

    select
        customer_key,
        account_name as customer_name_en
    from accounts
    where name_script = 'en' and script_rank = 1

),

credit_codes as (

    select
        customer_key,
        valid_credit_code,
        row_number() over (
            partition by customer_key order by count(*) desc, valid_credit_code
        ) as code_rank
    from accounts
    where valid_credit_code is not null
    group by customer_key, valid_credit_code

),

industries as (

    select
        customer_key,
        industry,
        row_number() over (
            partition by customer_key order by count(*) desc, industry
        ) as industry_rank
    from accounts
    where industry is not null
    group by customer_key, industry

),

-- Group parent: the customer of the parent account (same CRM), if not itself.
parents as (

    select
        accounts.customer_key,
        parent.customer_key as parent_customer_key,
        row_number() over (
            partition by accounts.customer_key
            order by count(*) desc, parent.customer_key
        ) as parent_rank
    from accounts
    inner join {{ ref('stg_identity__account_clusters') }} as parent
        on parent.source_system = accounts.source_system
        and parent.account_id = accounts.parent_account_id
    where parent.customer_key <> accounts.customer_key
    group by accounts.customer_key, parent.customer_key

),

account_rollup as (

    select
        customer_key,
        count(*) as n_accounts,
        min(match_probability) as min_match_probability,
        -- The most important relationship any CRM records.
        min(
            case segment
                when 'strategic' then 1
                when 'key' then 2
                when 'standard' then 3
                when 'long_tail' then 4
            end
        ) as segment_rank
    from accounts
    group by customer_key

),

source_systems as (

    select
        customer_key,
        {{ dbt.listagg('source_system', "', '", 'order by source_system') }} as source_systems
    from (select distinct customer_key, source_system from accounts) as d
    group by customer_key

),

crm_regions as (

    select
        customer_key,
        {{ dbt.listagg('region', "', '", 'order by region') }} as crm_regions
    from (select distinct customer_key, region from accounts where region is not null) as d
    group by customer_key

),

account_managers as (

    select
        customer_key,
        {{ dbt.listagg('account_manager_id', "', '", 'order by account_manager_id') }}
            as account_manager_ids
    from (
        select distinct customer_key, account_manager_id
        from accounts
        where account_manager_id is not null
    ) as d
    group by customer_key

),

orders as (

    select
        accounts.customer_key,
        orders.order_id,
        orders.order_date,
        orders.region,
        orders.business_unit,
        orders.amount_cny
    from {{ ref('stg_fulfillment__orders') }} as orders
    inner join accounts
        on accounts.source_system = orders.account_source_system
        and accounts.account_id = orders.account_id
    where orders.order_status <> 'cancelled'

),

order_rollup as (

    select
        customer_key,
        count(*) as n_orders,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(amount_cny) as order_amount_cny
    from orders
    group by customer_key

),

order_regions as (

    select
        customer_key,
        {{ dbt.listagg('region', "', '", 'order by region') }} as order_regions
    from (select distinct customer_key, region from orders where region is not null) as d
    group by customer_key

),

order_business_units as (

    select
        customer_key,
        {{ dbt.listagg('business_unit', "', '", 'order by business_unit') }}
            as order_business_units
    from (
        select distinct customer_key, business_unit
        from orders
        where business_unit is not null
    ) as d
    group by customer_key

),

contracts as (

    select
        accounts.customer_key,
        sum(case when contracts.contract_status = 'active' then contracts.contract_value_cny end)
            as active_contract_value_cny,
        sum(case when contracts.contract_status <> 'pending' then contracts.contract_value_cny end)
            as total_contract_value_cny
    from {{ ref('stg_crm__contracts') }} as contracts
    inner join accounts
        on accounts.source_system = contracts.source_system
        and accounts.account_id = contracts.account_id
    group by accounts.customer_key

),

contacts_by_role as (

    select
        customer_key,
        count(*) as n_contacts,
        sum(case when buying_role = 'decision_maker' then 1 else 0 end) as n_decision_makers,
        sum(case when buying_role = 'purchaser' then 1 else 0 end) as n_purchasers,
        sum(case when buying_role = 'user' then 1 else 0 end) as n_users,
        sum(case when buying_role = 'gatekeeper' then 1 else 0 end) as n_gatekeepers,
        sum(case when buying_role = 'influencer' then 1 else 0 end) as n_influencers,
        sum(case when buying_role = 'finance' then 1 else 0 end) as n_finance,
        sum(case when buying_role = 'other' then 1 else 0 end) as n_other_roles
    from {{ ref('dim_contact') }}
    where is_active
    group by customer_key

)

select
    survivor.customer_key,
    survivor.customer_name,
    english_name.customer_name_en,
    credit_codes.valid_credit_code as credit_code,
    parents.parent_customer_key,
    industries.industry,
    case account_rollup.segment_rank
        when 1 then 'strategic'
        when 2 then 'key'
        when 3 then 'standard'
        when 4 then 'long_tail'
    end as segment,
    survivor.city,
    cast(account_rollup.n_accounts as bigint) as n_accounts,
    source_systems.source_systems,
    crm_regions.crm_regions,
    order_regions.order_regions,
    order_business_units.order_business_units,
    account_managers.account_manager_ids,
    order_rollup.first_order_date,
    order_rollup.last_order_date,
    cast(coalesce(order_rollup.n_orders, 0) as bigint) as n_orders,
    cast(coalesce(order_rollup.order_amount_cny, 0) as decimal(18, 2)) as order_amount_cny,
    cast(coalesce(contracts.active_contract_value_cny, 0) as decimal(18, 2))
        as active_contract_value_cny,
    cast(coalesce(contracts.total_contract_value_cny, 0) as decimal(18, 2))
        as total_contract_value_cny,
    cast(coalesce(contacts_by_role.n_contacts, 0) as bigint) as n_active_contacts,
    cast(coalesce(contacts_by_role.n_decision_makers, 0) as bigint) as n_decision_makers,
    cast(coalesce(contacts_by_role.n_purchasers, 0) as bigint) as n_purchasers,
    cast(coalesce(contacts_by_role.n_users, 0) as bigint) as n_users,
    cast(coalesce(contacts_by_role.n_gatekeepers, 0) as bigint) as n_gatekeepers,
    cast(coalesce(contacts_by_role.n_influencers, 0) as bigint) as n_influencers,
    cast(coalesce(contacts_by_role.n_finance, 0) as bigint) as n_finance,
    cast(coalesce(contacts_by_role.n_other_roles, 0) as bigint) as n_other_roles,
    cast(account_rollup.min_match_probability as double) as min_match_probability
from survivor
inner join account_rollup on account_rollup.customer_key = survivor.customer_key
left join english_name on english_name.customer_key = survivor.customer_key
left join credit_codes
    on credit_codes.customer_key = survivor.customer_key and credit_codes.code_rank = 1
left join industries
    on industries.customer_key = survivor.customer_key and industries.industry_rank = 1
left join parents
    on parents.customer_key = survivor.customer_key and parents.parent_rank = 1
left join source_systems on source_systems.customer_key = survivor.customer_key
left join crm_regions on crm_regions.customer_key = survivor.customer_key
left join account_managers on account_managers.customer_key = survivor.customer_key
left join order_rollup on order_rollup.customer_key = survivor.customer_key
left join order_regions on order_regions.customer_key = survivor.customer_key
left join order_business_units on order_business_units.customer_key = survivor.customer_key
left join contracts on contracts.customer_key = survivor.customer_key
left join contacts_by_role on contacts_by_role.customer_key = survivor.customer_key
