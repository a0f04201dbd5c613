{#- Top keywords of each post with their TF-IDF weight. -#}
with

source as (

    select
        platform,
        post_id,
        keyword_rank,
        keyword,
        weight
    from {{ source('enrichment', 'post_keywords') }}

)

select
    platform,
    post_id,
    keyword_rank,
    keyword,
    weight
from source
