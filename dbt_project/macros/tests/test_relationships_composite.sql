{#- Every (from_columns) tuple of the model exists as (to_columns) in `to`.
    Rows with a null in from_columns are not checked (optional references). -#}
{% test relationships_composite(model, to, from_columns, to_columns) %}

with child as (

    select {{ from_columns | join(', ') }}
    from {{ model }}
    where {% for col in from_columns %}{{ col }} is not null{% if not loop.last %} and {% endif %}{% endfor %}

),

parent as (

    select distinct {{ to_columns | join(', ') }}
    from {{ to }}

)

select child.*
from child
left join parent
    on {% for i in range(from_columns | length) %}child.{{ from_columns[i] }} = parent.{{ to_columns[i] }}{% if not loop.last %} and {% endif %}{% endfor %}
where parent.{{ to_columns[0] }} is null

{% endtest %}
