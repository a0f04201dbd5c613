{#- Uncertain pairs of the last resolution run, for clerical review. -#}
with

source as (

    select
        entity,
        record_id_l,
        record_id_r,
        label_l,
        label_r,
        match_weight,
        match_probability,
        explanation,
        entity_key_l,
        entity_key_r,
        values_l,
        values_r,
        reviewed_at
    from {{ source('identity', 'clerical_review') }}

)

select
    entity,
    record_id_l,
    record_id_r,
    label_l,
    label_r,
    match_weight,
    match_probability,
    explanation,
    entity_key_l,
    entity_key_r,
    values_l,
    values_r,
    reviewed_at
from source
