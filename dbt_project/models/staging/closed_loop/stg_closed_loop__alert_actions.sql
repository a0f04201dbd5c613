{#- One row per action taken on an alert. Rows may be typed by hand (the source's
    description shows how), so the action is trimmed and lower-cased here and a
    blank root cause is no root cause; rows without an alert id are kept and
    fail the not_null test instead of vanishing. -#}
with

source as (

    select
        alert_id,
        action,
        acted_at,
        acted_by,
        note,
        root_cause
    from {{ source('closed_loop', 'alert_actions') }}

)

select
    trim(alert_id) as alert_id,
    lower(trim(action)) as action,
    acted_at,
    acted_by,
    note,
    nullif(lower(trim(root_cause)), '') as root_cause
from source
