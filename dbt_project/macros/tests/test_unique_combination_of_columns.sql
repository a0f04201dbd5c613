{#- Composite-key uniqueness (the hub's dbt_utils cannot be installed offline). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with grouped as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_records
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select {{ combination_of_columns | join(', ') }}, n_records
from grouped
where n_records > 1

{% endtest %}
