{#- The data's as-of date, one row. The cutoff is the latest fulfillment event
    loaded (an order update, a delivery record, a confirmation, a promise
    revision), never the wall clock: an order is due only when its valid
    promise is on or before it. Capped at today so one future-dated row
    cannot push every promise into "due".

    Months whose orders may still be waiting for a delivery record or the
    customer's confirmation (their last day within
    var cx_confirmation_window_days of the cutoff) are provisional: shown,
    marked, never read as a collapse. -#}
{%- set window = var('cx_confirmation_window_days') -%}
with

events as (

    select max(updated_at) as event_at from {{ ref('stg_fulfillment__orders') }}
    union all
    select max(recorded_at) as event_at from {{ ref('stg_fulfillment__deliveries') }}
    union all
    select max(confirmed_at) as event_at from {{ ref('stg_fulfillment__confirmations') }}
    union all
    select max(changed_at) as event_at from {{ ref('stg_fulfillment__promise_changes') }}

),

cutoff as (

    select
        cast(
            least(
                coalesce(max(event_at), {{ dbt.current_timestamp() }}),
                {{ dbt.current_timestamp() }}
            ) as date
        ) as data_cutoff_date
    from events

),

final as (

    select
        data_cutoff_date,
        {{ window }} as confirmation_window_days,
        {#- The last month whose every day lies at least the window before the
            cutoff: the latest month that is complete. -#}
        cast(
            {{ dbt.date_trunc(
                'month',
                dbt.dateadd('day', 1, dbt.dateadd('day', -window, 'data_cutoff_date'))
            ) }} as date
        ) as first_provisional_month_start
    from cutoff

)

select
    data_cutoff_date,
    confirmation_window_days,
    first_provisional_month_start,
    cast({{ dbt.dateadd('month', -1, 'first_provisional_month_start') }} as date)
        as last_complete_month_start
from final
