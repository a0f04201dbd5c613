with

source as (

    select * from {{ source('public_opinion', 'posts') }}

),

renamed as (

    select
        {{ cx_code('platform') }} as platform,
        {{ cx_text('post_id') }} as post_id,
        {{ cx_local_ts('published_at') }} as published_at,
        {{ cx_text('author_id') }} as author_id,
        {{ cx_code('author_type') }} as author_type,
        {{ cx_text('title') }} as post_title,
        {{ cx_text('text') }} as post_text,
        {{ cx_text('url') }} as post_url,
        {{ cx_code('lang') }} as lang,
        coalesce({{ cx_int('likes') }}, 0) as likes,
        coalesce({{ cx_int('shares') }}, 0) as shares,
        coalesce({{ cx_int('comments') }}, 0) as comments,
        _file_path as source_file_path,
        _row_number as source_row_number,
        _loaded_at as loaded_at,
        _exported_at as exported_at

    from source

),

latest as (

    {# Post ids are unique within a platform; a re-crawl refreshes counts. #}
    {{ cx_latest_version('renamed', ['platform', 'post_id'], ['published_at']) }}

)

select * from latest
