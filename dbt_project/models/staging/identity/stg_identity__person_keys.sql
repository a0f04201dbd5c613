{#- Every person key identity resolution ever issued: active, or retired with the
    key its members moved to, so a key saved in an old report can be followed. -#}
with

source as (

    select
        key,
        status,
        successor_key,
        n_members,
        first_seen_at,
        last_seen_at
    from {{ source('identity', 'person_keys') }}

)

select
    key as person_key,
    status as key_status,
    successor_key,
    n_members,
    first_seen_at,
    last_seen_at
from source
