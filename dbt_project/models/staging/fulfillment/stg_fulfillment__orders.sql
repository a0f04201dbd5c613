{#- Incremental (macros/staging/incremental.sql): a table read by several models and
    a dozen tests, re-cast only for the rows a build brings. -#}
{{ cx_incremental_staging_config(['source_system', 'order_id']) }}

with

source as (

    select * from {{ source('fulfillment', 'orders') }}
    {{ cx_raw_since_last_build() }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_text('account_source_system') }} as account_source_system,
        {{ cx_text('account_id') }} as account_id,
        {{ cx_date('order_date') }} as order_date,
        {{ cx_date('requested_date') }} as requested_date,
        -- The promise as the order system holds it now; the first promise is
        -- recovered from promise_changes downstream.
        {{ cx_date('promised_date') }} as current_promised_date,
        {{ cx_text('region') }} as region,
        {{ cx_dim('business_unit') }} as business_unit,
        {{ cx_dim('product_category') }} as product_category,
        {{ cx_num('quantity', 18, 3) }} as quantity,
        {{ cx_num('amount') }} as amount_cny,
        {{ cx_code('status') }} as order_status,
        {{ cx_text('sales_rep_id') }} as sales_rep_id,
        {{ cx_text('replaces_order_id') }} as replaces_order_id,
        {{ cx_local_ts('updated_at') }} as updated_at,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

versions as (

    {{ cx_with_staged_versions('renamed', ['source_system', 'order_id']) }}

),

latest as (

    {{ cx_latest_version('versions', ['source_system', 'order_id'], ['updated_at']) }}

)

select * from latest
