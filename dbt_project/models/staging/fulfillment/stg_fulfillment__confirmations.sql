{#- Incremental table (macros/staging/incremental.sql), like the orders. -#}
{{ cx_incremental_staging_config(['source_system', 'confirmation_id']) }}

with

source as (

    select * from {{ source('fulfillment', 'confirmations') }}
    {{ cx_raw_since_last_build() }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('confirmation_id') }} as confirmation_id,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_text('contact_phone') }} as contact_phone,
        lower({{ cx_text('contact_email') }}) as contact_email,
        {{ cx_local_ts('confirmed_at') }} as confirmed_at,
        {{ cx_date('received_date') }} as received_date,
        {{ cx_bool('received_in_full') }} as is_received_in_full,
        {#- The flag is optional: an issue type given without it still names an
            issue (a customer who picked "late" reported one); both empty stays
            unknown (NULL), never "no issue". -#}
        coalesce(
            {{ cx_bool('issue_reported') }},
            case when {{ cx_code('issue_type') }} is not null then true end
        ) as is_issue_reported,
        {{ cx_code('issue_type') }} as issue_type,
        {{ cx_text('comment') }} as confirmation_comment,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

versions as (

    {{ cx_with_staged_versions('renamed', ['source_system', 'confirmation_id']) }}

),

latest as (

    {{ cx_latest_version('versions', ['source_system', 'confirmation_id'], ['confirmed_at']) }}

)

select * from latest
