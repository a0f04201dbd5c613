with

source as (

    select * from {{ source('fulfillment', 'promise_changes') }}

),

renamed as (

    select
        {{ cx_text('source_system') }} as source_system,
        {{ cx_text('order_id') }} as order_id,
        {{ cx_date('old_promised_date') }} as old_promised_date,
        {{ cx_date('new_promised_date') }} as new_promised_date,
        {{ cx_local_ts('changed_at') }} as changed_at,
        {{ cx_text('changed_by') }} as changed_by,
        {{ cx_text('reason') }} as change_reason,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {# An audit log has no id: a revision is its order, time and new date. #}
    {{ cx_latest_version('renamed', ['source_system', 'order_id', 'changed_at', 'new_promised_date'], []) }}

)

select
    {{ dbt.hash(dbt.concat(["source_system", "'|'", "order_id", "'|'", dbt.safe_cast("changed_at", dbt.type_string()), "'|'", dbt.safe_cast("new_promised_date", dbt.type_string())])) }} as promise_change_key,
    *
from latest
