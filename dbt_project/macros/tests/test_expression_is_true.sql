{#- Every row of the model satisfies `expression` (a SQL boolean over its
    columns); a row where it is false or null fails. dbt_utils'
    expression_is_true, which cannot be installed offline. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
