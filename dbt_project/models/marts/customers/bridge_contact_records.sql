with

clusters as (

    select
        source_system,
        contact_id,
        person_key,
        customer_key,
        cluster_size,
        match_method,
        match_weight,
        match_probability
    from {{ ref('stg_identity__contact_clusters') }}

),

contacts as (

    select
        source_system,
        contact_id,
        account_id,
        full_name
    from {{ ref('stg_crm__contacts') }}

)

select
    clusters.source_system,
    clusters.contact_id,
    contacts.account_id,
    clusters.person_key,
    clusters.customer_key,
    contacts.full_name,
    clusters.match_method,
    cast(clusters.match_probability as double) as match_probability,
    cast(clusters.match_weight as double) as match_weight,
    cast(clusters.cluster_size as bigint) as records_in_person
from clusters
inner join contacts
    on contacts.source_system = clusters.source_system
    and contacts.contact_id = clusters.contact_id
