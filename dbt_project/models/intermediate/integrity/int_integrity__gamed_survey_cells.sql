{#- Survey gaming per region x business unit x month (the due month of the
    orders surveyed), from the verified side alone, so the survey marts can
    set gamed delivery surveys aside without reading an integrity mart:

    - selectivity (pattern 6a): were late orders invited to a delivery survey
      as often as on-time ones? Binomial lower tail of the late orders invited
      at the on-time invitation rate, flagged with the thresholds of
      fct_integrity_region_months (var cx_integrity: survey_min_late_orders,
      alpha_fail, survey_max_relative_invitation_rate);
    - clustered senders (pattern 6b): staff whose delivery surveys collect
      10s far beyond system-sent ones (int_integrity__survey_senders).

    Every cell is tested, reported or not, 'all' (whole-region) rows too: this
    is the one definition of the selectivity flag, and
    fct_integrity_region_months reads it. The survey marking joins a response
    by its order's business unit, never 'all', so a whole-region test never
    marks the business units that sent honestly. -#}
{%- set alpha_fail = cx_integrity('alpha_fail') -%}
with

log_factorials as (

    select n, log_factorial from {{ ref('int_integrity__log_factorials') }}

),

facts as (

    select
        region,
        business_unit,
        period_month_start,
        orders_late_delivered,
        orders_late_invited,
        orders_on_time_delivered,
        orders_on_time_invited,
        ten_cluster_senders
    from {{ ref('int_integrity__region_month_facts') }}

),

tests as (

    select
        region,
        business_unit,
        period_month_start,
        orders_late_delivered as trials,
        orders_late_invited as successes,
        cast(orders_on_time_invited as {{ cx_type_double() }})
            / nullif(orders_on_time_delivered, 0) as probability
    from facts

),

tails as (

    {#- Were late orders invited as often as on-time ones? Lower tail. -#}
    {{ cx_binomial_tail('tests', ['region', 'business_unit', 'period_month_start'],
        'trials', 'successes', 'probability', tail='lower') }}

),

final as (

    select
        facts.region,
        facts.business_unit,
        facts.period_month_start,
        facts.orders_late_delivered,
        facts.orders_late_invited,
        facts.orders_on_time_delivered,
        facts.orders_on_time_invited,
        tests.probability as on_time_invitation_rate,
        tails.p_value as survey_selection_p_value,
        coalesce(
            facts.orders_late_delivered >= {{ cx_integrity('survey_min_late_orders') }}
            and tails.p_value < {{ alpha_fail }}
            and facts.orders_late_invited <= {{ cx_integrity('survey_max_relative_invitation_rate') }}
                * tests.probability * facts.orders_late_delivered,
            false
        ) as is_survey_selective,
        facts.ten_cluster_senders
    from facts
    inner join tests
        on facts.region is not distinct from tests.region
        and facts.business_unit is not distinct from tests.business_unit
        and facts.period_month_start = tests.period_month_start
    left join tails
        on facts.region is not distinct from tails.region
        and facts.business_unit is not distinct from tails.business_unit
        and facts.period_month_start = tails.period_month_start

)

select
    region,
    business_unit,
    period_month_start,
    cast(orders_late_delivered as {{ dbt.type_int() }}) as orders_late_delivered,
    cast(orders_late_invited as {{ dbt.type_int() }}) as orders_late_invited,
    cast(orders_on_time_delivered as {{ dbt.type_int() }}) as orders_on_time_delivered,
    cast(orders_on_time_invited as {{ dbt.type_int() }}) as orders_on_time_invited,
    cast(on_time_invitation_rate as {{ cx_type_double() }}) as on_time_invitation_rate,
    cast(survey_selection_p_value as {{ cx_type_double() }}) as survey_selection_p_value,
    is_survey_selective,
    ten_cluster_senders,
    is_survey_selective or ten_cluster_senders is not null as is_survey_gaming
from final
