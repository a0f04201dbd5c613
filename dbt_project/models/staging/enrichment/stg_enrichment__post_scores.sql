{#- One row per scored post: language, sentiment and topics, as the enrichment step wrote them. -#}
with

source as (

    select
        platform,
        post_id,
        text_hash,
        lang,
        lang_declared,
        lang_source,
        sentiment_score,
        sentiment_label,
        topic,
        topics,
        n_tokens,
        scorer_version,
        scored_at
    from {{ source('enrichment', 'post_scores') }}

)

select
    platform,
    post_id,
    text_hash,
    lang,
    lang_declared,
    lang_source,
    sentiment_score,
    sentiment_label,
    topic,
    topics,
    n_tokens,
    scorer_version,
    scored_at
from source
