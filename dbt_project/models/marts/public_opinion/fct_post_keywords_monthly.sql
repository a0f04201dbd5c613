{#- Top keywords per month and language for word clouds: the var
    cx_po_top_keywords most frequent keywords (posts carrying them), with
    their TF-IDF weight and the sentiment split of those posts. -#}
with

keywords as (

    select
        platform,
        post_id,
        keyword,
        weight
    from {{ ref('stg_enrichment__post_keywords') }}

),

posts as (

    select
        platform,
        post_id,
        published_date,
        lang,
        is_positive,
        is_negative
    from {{ ref('fct_posts') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'p.published_date') }} as date) as period_month,
        p.lang,
        k.keyword,
        count(*) as n_posts,
        sum(p.is_positive) as n_positive_posts,
        sum(p.is_negative) as n_negative_posts,
        sum(k.weight) as total_weight
    from keywords as k
    inner join posts as p
        on p.platform = k.platform and p.post_id = k.post_id
    group by 1, 2, 3

),

ranked as (

    select
        period_month,
        lang,
        keyword,
        n_posts,
        n_positive_posts,
        n_negative_posts,
        total_weight,
        row_number() over (
            partition by period_month, lang
            order by n_posts desc, total_weight desc, keyword
        ) as keyword_rank
    from monthly

),

final as (

    select
        period_month,
        lang,
        cast(keyword_rank as {{ dbt.type_int() }}) as keyword_rank,
        keyword,
        cast(n_posts as {{ dbt.type_bigint() }}) as n_posts,
        cast(n_positive_posts as {{ dbt.type_bigint() }}) as n_positive_posts,
        cast(n_negative_posts as {{ dbt.type_bigint() }}) as n_negative_posts,
        cast(total_weight as {{ po_type_double() }}) as total_weight
    from ranked
    where keyword_rank <= {{ var('cx_po_top_keywords') }}

)

select
    period_month,
    lang,
    keyword_rank,
    keyword,
    n_posts,
    n_positive_posts,
    n_negative_posts,
    total_weight
from final
