{#- A table, not a view like the other staging models: the largest sources are read
    by several models and a dozen tests each, and a view would re-cast every text
    column of the raw rows for each of them (≈ 1 s per read for 1 M orders). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('survey', 'invitations') }}

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

latest as (

    {{ cx_latest_version('renamed', ['invitation_id'], ['sent_at']) }}

)

select * from latest
