{#- The daily sentiment index: per publication day x platform x topic, the
    posts (mentions), their sentiment split and
    net sentiment = (positive - negative) / mentions (macro po_net_sentiment),
    always with n beside it; plus the reach-weighted volume. -#}
with

posts as (

    select
        published_date,
        platform,
        topic,
        is_positive,
        is_neutral,
        is_negative,
        sentiment_score,
        reach_weight
    from {{ ref('fct_posts') }}

),

daily as (

    select
        published_date,
        platform,
        topic,
        count(*) as n_mentions,
        sum(is_positive) as n_positive,
        sum(is_neutral) as n_neutral,
        sum(is_negative) as n_negative,
        avg(sentiment_score) as avg_sentiment_score,
        sum(reach_weight) as weighted_volume,
        sum(case when is_negative = 1 then reach_weight else 0 end) as weighted_negative_volume
    from posts
    group by published_date, platform, topic

),

final as (

    select
        published_date,
        platform,
        topic,
        cast(n_mentions as {{ dbt.type_bigint() }}) as n_mentions,
        cast(n_positive as {{ dbt.type_bigint() }}) as n_positive,
        cast(n_neutral as {{ dbt.type_bigint() }}) as n_neutral,
        cast(n_negative as {{ dbt.type_bigint() }}) as n_negative,
        {{ po_net_sentiment('n_positive', 'n_negative', 'n_mentions') }} as net_sentiment,
        cast(avg_sentiment_score as {{ po_type_double() }}) as avg_sentiment_score,
        cast(weighted_volume as {{ po_type_double() }}) as weighted_volume,
        cast(weighted_negative_volume as {{ po_type_double() }}) as weighted_negative_volume
    from daily

)

select
    published_date,
    platform,
    topic,
    n_mentions,
    n_positive,
    n_neutral,
    n_negative,
    net_sentiment,
    avg_sentiment_score,
    weighted_volume,
    weighted_negative_volume
from final
