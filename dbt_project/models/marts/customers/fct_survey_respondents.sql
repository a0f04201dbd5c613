{#- One row per survey response: who answered (CRM contact, resolved person)
    and which customer the answer belongs to, with how each link was made. -#}
with

responses as (

    select
        response_id,
        survey_id,
        survey_type,
        submitted_at,
        respondent_role,
        respondent_company_name
    from {{ ref('stg_survey__responses') }}

),

links as (

    select
        response_id,
        person_key,
        contact_source_system,
        contact_id,
        contact_match_method,
        contact_match_weight,
        contact_match_probability,
        customer_key,
        customer_method
    from {{ ref('stg_identity__response_links') }}

)

select
    responses.response_id,
    responses.survey_id,
    responses.survey_type,
    responses.submitted_at,
    responses.respondent_role,
    responses.respondent_company_name,
    links.person_key,
    links.contact_source_system,
    links.contact_id,
    links.contact_match_method,
    cast(links.contact_match_weight as double) as contact_match_weight,
    cast(links.contact_match_probability as double) as contact_match_probability,
    links.customer_key,
    links.customer_method as customer_link_method
from responses
left join links
    on links.response_id = responses.response_id
