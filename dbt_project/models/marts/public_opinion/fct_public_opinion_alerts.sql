{#- Negative-spike alerts for the closed-loop queue: a day on which the
    negative posts about a subject (our brand, or one customer) are well above
    that subject's recent baseline. Rule (vars, documented in dbt_project.yml):
    n_negative >= cx_po_spike_min_count_brand / _customer, and
    n_negative >= mean + cx_po_spike_z x max(sd, cx_po_spike_min_sd), with mean
    and sd of the daily negative count over the previous
    cx_po_spike_baseline_days days (days without negatives count as 0).
    Severity high at twice the z distance, else medium. -#}
{%- set days = var('cx_po_spike_baseline_days') | int -%}
{%- set z = var('cx_po_spike_z') -%}
{%- set min_sd = var('cx_po_spike_min_sd') -%}
{%- set string_type = api.Column.translate_type('string') -%}
with

posts as (

    select
        platform,
        post_id,
        published_at,
        published_date,
        topic,
        is_negative,
        mentions_brand
    from {{ ref('fct_posts') }}

),

customer_mentions as (

    select distinct
        platform,
        post_id,
        customer_key
    from {{ ref('stg_enrichment__post_mentions') }}
    where entity_type = 'customer'

),

subject_posts as (

    select
        'brand' as subject_key,
        cast(null as {{ dbt.type_string() }}) as customer_key,
        published_at,
        published_date,
        topic,
        is_negative
    from posts
    where mentions_brand

    union all

    select
        m.customer_key as subject_key,
        m.customer_key,
        p.published_at,
        p.published_date,
        p.topic,
        p.is_negative
    from customer_mentions as m
    inner join posts as p
        on p.platform = m.platform and p.post_id = m.post_id

),

daily as (

    select
        subject_key,
        customer_key,
        published_date,
        count(*) as n_posts,
        sum(is_negative) as n_negative,
        max(case when is_negative = 1 then published_at end) as last_negative_at
    from subject_posts
    group by subject_key, customer_key, published_date

),

negative_topics as (

    select
        subject_key,
        published_date,
        topic,
        row_number() over (
            partition by subject_key, published_date
            order by count(*) desc, topic
        ) as topic_rank
    from subject_posts
    where is_negative = 1
    group by subject_key, published_date, topic

),

baseline as (

    select
        d.subject_key,
        d.published_date,
        coalesce(sum(b.n_negative), 0) as base_sum,
        coalesce(sum(b.n_negative * b.n_negative), 0) as base_sum_sq
    from daily as d
    left join daily as b
        on b.subject_key = d.subject_key
        and b.published_date < d.published_date
        and b.published_date >= {{ dbt.dateadd('day', -days, 'd.published_date') }}
    where d.n_negative > 0
    group by d.subject_key, d.published_date

),

stats as (

    select
        d.subject_key,
        d.customer_key,
        d.published_date,
        d.n_posts,
        d.n_negative,
        d.last_negative_at,
        cast(bl.base_sum as {{ po_type_double() }}) / {{ days }} as base_mean,
        sqrt(
            case
                when (bl.base_sum_sq - bl.base_sum * bl.base_sum / {{ days }}.0) / ({{ days }} - 1) > 0
                    then (bl.base_sum_sq - bl.base_sum * bl.base_sum / {{ days }}.0) / ({{ days }} - 1)
                else 0
            end
        ) as base_sd
    from daily as d
    inner join baseline as bl
        on bl.subject_key = d.subject_key and bl.published_date = d.published_date

),

scored as (

    select
        subject_key,
        customer_key,
        published_date,
        n_posts,
        n_negative,
        last_negative_at,
        base_mean,
        base_sd,
        base_mean + {{ z }} * case when base_sd > {{ min_sd }} then base_sd else {{ min_sd }} end
            as threshold,
        base_mean + 2 * {{ z }} * case when base_sd > {{ min_sd }} then base_sd else {{ min_sd }} end
            as high_threshold,
        case when customer_key is null
            then {{ var('cx_po_spike_min_count_brand') }}
            else {{ var('cx_po_spike_min_count_customer') }}
        end as min_count
    from stats

),

customers as (

    select
        customer_key,
        customer_name
    from {{ ref('dim_customer') }}

),

final as (

    select
        {{ dbt.concat([
            "'negative_spike|'", 's.subject_key', "'|'",
            dbt.cast('s.published_date', string_type)
        ]) }} as alert_id,
        'negative_spike' as alert_type,
        cast(s.last_negative_at as {{ dbt.type_timestamp() }}) as raised_at,
        s.customer_key,
        case when s.customer_key is null then 'brand'
            else coalesce(c.customer_name, s.customer_key) end as subject,
        {{ dbt.concat([
            dbt.cast('s.n_negative', string_type), "' negative of '",
            dbt.cast('s.n_posts', string_type), "' posts on '",
            dbt.cast('s.published_date', string_type),
            "' (top topic '", "coalesce(t.topic, 'general')", "'); baseline '",
            dbt.cast('round(s.base_mean, 2)', string_type), "' a day (sd '",
            dbt.cast('round(s.base_sd, 2)', string_type), "') over "
            ~ days ~ " days, threshold '",
            dbt.cast('round(s.threshold, 2)', string_type)
        ]) }} as evidence,
        case when s.n_negative >= s.high_threshold then 'high' else 'medium' end as severity
    from scored as s
    left join negative_topics as t
        on t.subject_key = s.subject_key and t.published_date = s.published_date
        and t.topic_rank = 1
    left join customers as c
        on c.customer_key = s.customer_key
    where s.n_negative >= s.min_count and s.n_negative >= s.threshold

)

select
    alert_id,
    alert_type,
    raised_at,
    customer_key,
    subject,
    evidence,
    severity
from final
