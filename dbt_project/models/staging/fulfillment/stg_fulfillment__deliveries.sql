{#- Incremental table (macros/staging/incremental.sql), like the orders. -#}
{{ cx_incremental_staging_config(['source_system', 'delivery_id']) }}

with

source as (

    select * from {{ source('fulfillment', 'deliveries') }}
    {{ cx_raw_since_last_build() }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('delivery_id') }} as delivery_id,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_local_ts('delivered_at') }} as delivered_at,
        {{ cx_num('quantity_delivered', 18, 3) }} as quantity_delivered,
        {{ cx_code('entry_channel') }} as entry_channel,
        {{ cx_text('recorded_by') }} as recorded_by,
        {{ cx_local_ts('recorded_at') }} as recorded_at,
        {{ cx_bool('pod_signed') }} as is_pod_signed,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

versions as (

    {{ cx_with_staged_versions('renamed', ['source_system', 'delivery_id']) }}

),

latest as (

    {{ cx_latest_version('versions', ['source_system', 'delivery_id'], ['recorded_at']) }}

)

select * from latest
