{#- Incremental table (macros/staging/incremental.sql), like the orders. -#}
{{ cx_incremental_staging_config(['response_id']) }}

with

source as (

    select * from {{ source('survey', 'responses') }}
    {{ cx_raw_since_last_build() }}

),

renamed as (

    select
        {{ cx_text('response_id') }} as response_id,
        {{ cx_text('survey_id') }} as survey_id,
        {{ cx_code('survey_type') }} as survey_type,
        {{ cx_text('invitation_id') }} as invitation_id,
        {{ cx_code('journey_stage') }} as journey_stage,
        {{ cx_code('touchpoint') }} as touchpoint,
        {{ cx_text('respondent_name') }} as respondent_name,
        lower({{ cx_text('respondent_email') }}) as respondent_email,
        {{ cx_text('respondent_phone') }} as respondent_phone,
        {{ cx_text('company_name') }} as respondent_company_name,
        {{ cx_code('respondent_role') }} as respondent_role,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_local_ts('submitted_at') }} as submitted_at,
        {{ cx_int('nps') }} as nps_score,
        {{ cx_int('ces') }} as ces_score,
        {{ cx_int('csat') }} as csat_score,
        {{ cx_int('rate_product') }} as rate_product,
        {{ cx_int('rate_price') }} as rate_price,
        {{ cx_int('rate_fulfillment') }} as rate_fulfillment,
        {{ cx_int('rate_ease') }} as rate_ease,
        {{ cx_int('rate_recognition') }} as rate_recognition,
        {{ cx_int('rate_trust') }} as rate_trust,
        {{ cx_int('rate_sales_process') }} as rate_sales_process,
        {{ cx_int('rate_billing') }} as rate_billing,
        {{ cx_int('rate_communication') }} as rate_communication,
        {{ cx_int('rate_safety') }} as rate_safety,
        {{ cx_int('rate_sustainability') }} as rate_sustainability,
        {{ cx_text('comment') }} as response_comment,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

versions as (

    {{ cx_with_staged_versions('renamed', ['response_id']) }}

),

latest as (

    {{ cx_latest_version('versions', ['response_id'], ['submitted_at']) }}

)

select * from latest
