with

source as (

    select * from {{ source('crm', 'accounts') }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('account_id') }} as account_id,
        {{ cx_text('account_name') }} as account_name,
        upper({{ cx_text('credit_code') }}) as credit_code,
        {{ cx_text('parent_account_id') }} as parent_account_id,
        {{ cx_text('industry') }} as industry,
        {{ cx_text('region') }} as region,
        {{ cx_code('segment') }} as segment,
        {{ cx_text('business_unit') }} as business_unit,
        {{ cx_text('account_manager_id') }} as account_manager_id,
        {{ cx_text('city') }} as city,
        {{ cx_text('phone') }} as phone,
        {{ cx_text('website') }} as website,
        {{ cx_local_ts('created_at') }} as created_at,
        {{ cx_local_ts('updated_at') }} as updated_at,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {{ cx_latest_version('renamed', ['source_system', 'account_id'], ['updated_at']) }}

)

select * from latest
