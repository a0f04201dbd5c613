-- One row per day for MetricFlow's time spine (dbt-core's portable date_spine).
{#- No input of its own: built with the staging models (the depends_on below) rather
    than in a dbt invocation of its own, which costs ~10 s of start-up per build. -#}
-- depends_on: {{ ref('stg_fulfillment__orders') }}
with

days as (
    {{ dbt.date_spine(datepart="day", start_date="cast('2022-01-01' as date)", end_date="cast('2028-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select date_day from final
