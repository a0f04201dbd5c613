{#- Incremental table (macros/staging/incremental.sql), like the orders. -#}
{{ cx_incremental_staging_config(['invitation_id']) }}

with

source as (

    select * from {{ source('survey', 'invitations') }}
    {{ cx_raw_since_last_build() }}

),

renamed as (

    select
        {{ cx_text('invitation_id') }} as invitation_id,
        {{ cx_text('survey_id') }} as survey_id,
        {{ cx_code('survey_type') }} as survey_type,
        {{ cx_code('channel') }} as channel,
        {{ cx_local_ts('sent_at') }} as sent_at,
        lower({{ cx_text('contact_email') }}) as contact_email,
        {{ cx_text('contact_phone') }} as contact_phone,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_text('sent_by') }} as sent_by,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

versions as (

    {{ cx_with_staged_versions('renamed', ['invitation_id']) }}

),

latest as (

    {{ cx_latest_version('versions', ['invitation_id'], ['sent_at']) }}

)

select * from latest
