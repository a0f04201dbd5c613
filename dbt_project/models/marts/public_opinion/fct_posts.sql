{#- One row per public post: scores and topic from text enrichment, the
    customer it mentions (the most mentioned one when several), whether it
    mentions our brand, and its reach weight (macro po_reach_weight, vars
    cx_po_author_weights / cx_po_reach_weights). -#}
with

posts as (

    select
        platform,
        post_id,
        published_at,
        author_id,
        author_type,
        post_title,
        post_url,
        lang as lang_declared,
        likes,
        shares,
        comments
    from {{ ref('stg_public_opinion__posts') }}

),

scores as (

    select
        platform,
        post_id,
        lang,
        lang_source,
        sentiment_score,
        sentiment_label,
        topic,
        topics,
        scorer_version,
        scored_at
    from {{ ref('stg_enrichment__post_scores') }}

),

customer_mentions as (

    select
        platform,
        post_id,
        customer_key,
        row_number() over (
            partition by platform, post_id
            order by n_occurrences desc, customer_key
        ) as mention_rank,
        count(*) over (partition by platform, post_id) as n_customers
    from {{ ref('stg_enrichment__post_mentions') }}
    where entity_type = 'customer'

),

brand_mentions as (

    select distinct
        platform,
        post_id
    from {{ ref('stg_enrichment__post_mentions') }}
    where entity_type = 'brand'

),

final as (

    select
        {{ dbt.concat(['p.platform', "'|'", 'p.post_id']) }} as post_key,
        p.platform,
        p.post_id,
        p.published_at,
        cast(p.published_at as date) as published_date,
        p.author_id,
        coalesce(p.author_type, 'unknown') as author_type,
        p.post_title,
        p.post_url,
        coalesce(s.lang, p.lang_declared) as lang,
        s.lang_source,
        cast(s.sentiment_score as {{ po_type_double() }}) as sentiment_score,
        s.sentiment_label,
        case when s.sentiment_label = 'positive' then 1 else 0 end as is_positive,
        case when s.sentiment_label = 'neutral' then 1 else 0 end as is_neutral,
        case when s.sentiment_label = 'negative' then 1 else 0 end as is_negative,
        coalesce(s.topic, 'general') as topic,
        s.topics,
        cast(p.likes as {{ dbt.type_bigint() }}) as likes,
        cast(p.shares as {{ dbt.type_bigint() }}) as shares,
        cast(p.comments as {{ dbt.type_bigint() }}) as comments,
        {{ po_reach_weight('coalesce(p.author_type, \'unknown\')', 'p.likes', 'p.shares', 'p.comments') }}
            as reach_weight,
        cm.customer_key,
        cast(coalesce(cm.n_customers, 0) as {{ dbt.type_int() }}) as n_customers_mentioned,
        case when bm.post_id is not null then true else false end as mentions_brand,
        s.scorer_version,
        s.scored_at
    from posts as p
    left join scores as s
        on s.platform = p.platform and s.post_id = p.post_id
    left join customer_mentions as cm
        on cm.platform = p.platform and cm.post_id = p.post_id and cm.mention_rank = 1
    left join brand_mentions as bm
        on bm.platform = p.platform and bm.post_id = p.post_id

)

select
    post_key,
    platform,
    post_id,
    published_at,
    published_date,
    author_id,
    author_type,
    post_title,
    post_url,
    lang,
    lang_source,
    sentiment_score,
    sentiment_label,
    is_positive,
    is_neutral,
    is_negative,
    topic,
    topics,
    likes,
    shares,
    comments,
    reach_weight,
    customer_key,
    n_customers_mentioned,
    mentions_brand,
    scorer_version,
    scored_at
from final
