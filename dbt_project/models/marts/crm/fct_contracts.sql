{#- One row per CRM contract with its customer, term and renewal outcome. -#}
with

contracts as (

    select
        source_system,
        contract_id,
        account_id,
        start_date,
        end_date,
        contract_value_cny,
        contract_status,
        renewed_by_contract_id
    from {{ ref('stg_crm__contracts') }}

),

accounts as (

    select
        source_system,
        account_id,
        customer_key
    from {{ ref('bridge_customer_accounts') }}

),

final as (

    select
        {{ dbt.concat(['contracts.source_system', "'|'", 'contracts.contract_id']) }} as contract_key,
        contracts.source_system,
        contracts.contract_id,
        contracts.account_id,
        accounts.customer_key,
        contracts.start_date,
        contracts.end_date,
        {{ dbt.datediff('contracts.start_date', 'contracts.end_date', 'day') }} as term_days,
        contracts.contract_value_cny,
        contracts.contract_status,
        contracts.renewed_by_contract_id,
        contracts.contract_status = 'renewed' or contracts.renewed_by_contract_id is not null
            as is_renewed,
        contracts.contract_status = 'churned' as is_churned,
        contracts.contract_status = 'active' as is_active,
        {#- A contract's fate is known once it has been renewed or churned. -#}
        contracts.contract_status in ('renewed', 'churned')
            or contracts.renewed_by_contract_id is not null as is_decided
    from contracts
    left join accounts
        on contracts.source_system = accounts.source_system
        and contracts.account_id = accounts.account_id

)

select * from final
