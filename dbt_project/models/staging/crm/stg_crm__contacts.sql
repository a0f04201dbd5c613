with

source as (

    select * from {{ source('crm', 'contacts') }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('contact_id') }} as contact_id,
        {{ cx_text('account_id') }} as account_id,
        {{ cx_text('full_name') }} as full_name,
        {{ cx_text('title') }} as job_title,
        {{ cx_text('department') }} as department,
        {{ cx_code('buying_role') }} as buying_role,
        lower({{ cx_text('email') }}) as email,
        {{ cx_text('phone') }} as phone,
        {{ cx_bool('is_active') }} as is_active,
        {{ cx_local_ts('updated_at') }} as updated_at,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {{ cx_latest_version('renamed', ['source_system', 'contact_id'], ['updated_at']) }}

)

select * from latest
