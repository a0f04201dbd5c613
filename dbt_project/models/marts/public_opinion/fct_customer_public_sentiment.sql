{#- Public sentiment per customer and month: posts that mention the customer
    (any name variant; a post mentioning two customers counts for both), their
    sentiment split, net sentiment with n, reach-weighted volume. -#}
with

mentions as (

    select distinct
        platform,
        post_id,
        customer_key
    from {{ ref('stg_enrichment__post_mentions') }}
    where entity_type = 'customer'

),

posts as (

    select
        platform,
        post_id,
        published_at,
        published_date,
        is_positive,
        is_neutral,
        is_negative,
        sentiment_score,
        reach_weight
    from {{ ref('fct_posts') }}

),

customers as (

    select
        customer_key,
        customer_name
    from {{ ref('dim_customer') }}

),

monthly as (

    select
        m.customer_key,
        cast({{ dbt.date_trunc('month', 'p.published_date') }} as date) as period_month,
        count(*) as n_mentions,
        sum(p.is_positive) as n_positive,
        sum(p.is_neutral) as n_neutral,
        sum(p.is_negative) as n_negative,
        avg(p.sentiment_score) as avg_sentiment_score,
        sum(p.reach_weight) as weighted_volume,
        max(p.published_at) as last_post_at
    from mentions as m
    inner join posts as p
        on p.platform = m.platform and p.post_id = m.post_id
    group by 1, 2

),

final as (

    select
        mo.customer_key,
        c.customer_name,
        mo.period_month,
        cast(mo.n_mentions as {{ dbt.type_bigint() }}) as n_mentions,
        cast(mo.n_positive as {{ dbt.type_bigint() }}) as n_positive,
        cast(mo.n_neutral as {{ dbt.type_bigint() }}) as n_neutral,
        cast(mo.n_negative as {{ dbt.type_bigint() }}) as n_negative,
        {{ po_net_sentiment('mo.n_positive', 'mo.n_negative', 'mo.n_mentions') }} as net_sentiment,
        cast(mo.avg_sentiment_score as {{ po_type_double() }}) as avg_sentiment_score,
        cast(mo.weighted_volume as {{ po_type_double() }}) as weighted_volume,
        mo.last_post_at
    from monthly as mo
    left join customers as c
        on c.customer_key = mo.customer_key

)

select
    customer_key,
    customer_name,
    period_month,
    n_mentions,
    n_positive,
    n_neutral,
    n_negative,
    net_sentiment,
    avg_sentiment_score,
    weighted_volume,
    last_post_at
from final
