{#- Mention volume weighted by reach: per day x platform x author type, raw
    post counts and engagement beside the weighted volume
    (author-type weight x (1 + likes, shares and comments weighted);
    vars cx_po_author_weights, cx_po_reach_weights). -#}
with

posts as (

    select
        published_date,
        platform,
        author_type,
        is_negative,
        likes,
        shares,
        comments,
        reach_weight
    from {{ ref('fct_posts') }}

),

final as (

    select
        published_date,
        platform,
        author_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_mentions,
        cast(sum(is_negative) as {{ dbt.type_bigint() }}) as n_negative,
        cast(sum(likes) as {{ dbt.type_bigint() }}) as likes,
        cast(sum(shares) as {{ dbt.type_bigint() }}) as shares,
        cast(sum(comments) as {{ dbt.type_bigint() }}) as comments,
        cast(sum(reach_weight) as {{ po_type_double() }}) as weighted_volume,
        cast(sum(case when is_negative = 1 then reach_weight else 0 end)
            as {{ po_type_double() }}) as weighted_negative_volume
    from posts
    group by published_date, platform, author_type

)

select
    published_date,
    platform,
    author_type,
    n_mentions,
    n_negative,
    likes,
    shares,
    comments,
    weighted_volume,
    weighted_negative_volume
from final
