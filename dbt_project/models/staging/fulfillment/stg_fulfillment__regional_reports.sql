with

source as (

    select * from {{ source('fulfillment', 'regional_reports') }}

),

renamed as (

    select
        {{ cx_text('region') }} as region,
        -- A report for the whole region has no business unit; keyed as 'all'.
        coalesce({{ cx_text('business_unit') }}, 'all') as business_unit,
        {{ cx_text('period_month') }} as period_month,
        cast({{ cx_text('period_month') }} || '-01' as date) as period_start_date,
        {{ cx_int('orders_due') }} as reported_orders_due,
        {{ cx_int('orders_on_time') }} as reported_orders_on_time,
        {{ cx_num('on_time_rate', 9, 6) }} as reported_on_time_rate,
        {{ cx_num('otif_rate', 9, 6) }} as reported_otif_rate,
        {{ cx_text('submitted_by') }} as submitted_by,
        {{ cx_local_ts('submitted_at') }} as submitted_at,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {# A re-submitted report supersedes the earlier one for the same cell. #}
    {{ cx_latest_version('renamed', ['region', 'business_unit', 'period_month'], ['submitted_at']) }}

)

select * from latest
