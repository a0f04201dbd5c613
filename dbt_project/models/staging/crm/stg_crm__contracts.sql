with

source as (

    select * from {{ source('crm', 'contracts') }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('contract_id') }} as contract_id,
        {{ cx_text('account_id') }} as account_id,
        {{ cx_date('start_date') }} as start_date,
        {{ cx_date('end_date') }} as end_date,
        {{ cx_num('contract_value') }} as contract_value_cny,
        {{ cx_code('status') }} as contract_status,
        {{ cx_text('renewed_by_contract_id') }} as renewed_by_contract_id,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {# Contracts carry no update timestamp: the latest load wins. #}
    {{ cx_latest_version('renamed', ['source_system', 'contract_id'], []) }}

)

select * from latest
