{#- Delivery (scene) surveys triggered by a staff member (sent_by), per staff x
    region x business unit x due month of the order: how many answered, how
    many gave a 10, and the chance of that many 10s if this staff member's
    customers answered like customers whose survey the system sent
    (binomial upper tail). A cluster of 10s around one sender is pattern 6. -#}
{%- set ten = cx_integrity('ten_score') -%}
with

log_factorials as (

    select n, log_factorial from {{ ref('int_integrity__log_factorials') }}

),

members as (

    select
        source_system,
        chain_order_id,
        order_id
    from {{ ref('int_fulfillment__order_chain_members') }}

),

chains as (

    select
        source_system,
        chain_order_id,
        region,
        business_unit,
        due_month
    from {{ ref('int_fulfillment__order_chains') }}

),

invitations as (

    select
        invitation_id,
        order_id,
        sent_by
    from {{ ref('stg_survey__invitations') }}
    where survey_type = 'delivery'

),

responses as (

    select
        invitations.sent_by,
        invitations.order_id,
        responses.nps_score
    from {{ ref('stg_survey__responses') }} as responses
    inner join invitations
        on responses.invitation_id = invitations.invitation_id
    where responses.survey_type = 'delivery'
        and responses.nps_score is not null

),

baseline as (

    {#- Customers surveyed by the system, not by a person. -#}
    select
        cast(sum(case when nps_score = {{ ten }} then 1 else 0 end) as {{ cx_type_double() }})
            / nullif(count(*), 0) as baseline_ten_share
    from responses
    where sent_by is null

),

per_sender as (

    select
        responses.sent_by,
        chains.region,
        chains.business_unit,
        chains.due_month,
        count(*) as responses,
        sum(case when responses.nps_score = {{ ten }} then 1 else 0 end) as ten_responses
    from responses
    inner join members
        on responses.order_id = members.order_id
    inner join chains
        on members.source_system = chains.source_system
        and members.chain_order_id = chains.chain_order_id
    where responses.sent_by is not null
    group by responses.sent_by, chains.region, chains.business_unit, chains.due_month

),

tests as (

    select
        per_sender.*,
        baseline.baseline_ten_share
    from per_sender
    cross join baseline

),

tails as (

    {{ cx_binomial_tail('tests', ['sent_by', 'region', 'business_unit', 'due_month'],
        'responses', 'ten_responses', 'baseline_ten_share', tail='upper') }}

)

select
    tests.sent_by,
    tests.region,
    tests.business_unit,
    tests.due_month,
    tests.responses,
    tests.ten_responses,
    tests.baseline_ten_share,
    tails.p_value as ten_cluster_p_value,
    coalesce(tails.p_value < {{ cx_integrity('alpha_fail') }}, false) as is_ten_cluster
from tests
inner join tails
    on tests.sent_by is not distinct from tails.sent_by
    and tests.region is not distinct from tails.region
    and tests.business_unit is not distinct from tails.business_unit
    and tests.due_month = tails.due_month
