{#- The clerical review queue: one row per uncertain record pair of the last
    resolution run, strongest first. The data-steward page shows it; decisions
    go to the operational store (identity/review.py), not to this table. -#}
with

review as (

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
    from {{ ref('stg_identity__clerical_review') }}

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
    reviewed_at as queued_at,
    row_number() over (
        partition by entity order by match_weight desc, record_id_l, record_id_r
    ) as queue_rank
from review
