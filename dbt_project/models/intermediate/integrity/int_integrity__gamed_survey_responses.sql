{#- One row per delivery-survey response suspected of survey gaming, with
    the reason. A response is a suspect when
      (a) its invitation was sent by a staff member whose 10s cluster in the
          region x business unit x due month of the surveyed order
          (int_integrity__survey_senders.is_ten_cluster), or
      (b) the surveyed order lies in a region x business unit x due month
          whose late orders were not invited (int_integrity__gamed_survey_cells
          .is_survey_selective): the whole cell's delivery sample is biased.
    The order is the invitation's (else the response's); an order id found in
    two order systems maps to both chains, as in the sender test, and either
    cell can mark it. fct_survey_responses keeps every response and carries
    this mark, so NPS can be read with and without the suspects. -#}
with

responses as (

    select
        response_id,
        invitation_id,
        order_id
    from {{ ref('stg_survey__responses') }}
    where survey_type = 'delivery'

),

invitations as (

    select
        invitation_id,
        order_id,
        sent_by
    from {{ ref('stg_survey__invitations') }}
    where survey_type = 'delivery'

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

clustered_senders as (

    select
        sent_by,
        region,
        business_unit,
        due_month
    from {{ ref('int_integrity__survey_senders') }}
    where is_ten_cluster

),

selective_cells as (

    select
        region,
        business_unit,
        period_month_start
    from {{ ref('int_integrity__gamed_survey_cells') }}
    where is_survey_selective

),

response_cells as (

    select
        responses.response_id,
        invitations.sent_by,
        chains.region,
        chains.business_unit,
        chains.due_month
    from responses
    left join invitations
        on responses.invitation_id = invitations.invitation_id
    inner join members
        on coalesce(invitations.order_id, responses.order_id) = members.order_id
    inner join chains
        on members.source_system = chains.source_system
        and members.chain_order_id = chains.chain_order_id

),

marked as (

    select
        response_cells.response_id,
        max(case when clustered_senders.sent_by is not null then 1 else 0 end)
            as from_clustered_sender,
        max(case when selective_cells.period_month_start is not null then 1 else 0 end)
            as in_selective_cell
    from response_cells
    left join clustered_senders
        on response_cells.sent_by = clustered_senders.sent_by
        and response_cells.region is not distinct from clustered_senders.region
        and response_cells.business_unit is not distinct from clustered_senders.business_unit
        and response_cells.due_month = clustered_senders.due_month
    left join selective_cells
        on response_cells.region is not distinct from selective_cells.region
        and response_cells.business_unit is not distinct from selective_cells.business_unit
        and response_cells.due_month = selective_cells.period_month_start
    group by response_cells.response_id

)

select
    response_id,
    from_clustered_sender = 1 as is_from_clustered_sender,
    in_selective_cell = 1 as is_in_selective_cell,
    case
        when from_clustered_sender = 1 and in_selective_cell = 1
            then 'clustered_sender_and_selective_invitations'
        when from_clustered_sender = 1 then 'clustered_sender'
        else 'selective_invitations'
    end as gaming_reason
from marked
where from_clustered_sender = 1 or in_selective_cell = 1
