{#- One row per real person at a customer, resolved across CRMs. Attributes
    come from the person's most recently updated active record. -#}
with

records as (

    select
        clusters.person_key,
        clusters.customer_key,
        contacts.source_system,
        contacts.contact_id,
        contacts.full_name,
        contacts.job_title,
        contacts.department,
        contacts.buying_role,
        contacts.email,
        contacts.phone,
        contacts.is_active,
        contacts.updated_at
    from {{ ref('stg_identity__contact_clusters') }} as clusters
    inner join {{ ref('stg_crm__contacts') }} as contacts
        on contacts.source_system = clusters.source_system
        and contacts.contact_id = clusters.contact_id

),

ranked as (

    select
        person_key,
        customer_key,
        source_system,
        contact_id,
        full_name,
        job_title,
        department,
        buying_role,
        email,
        phone,
        is_active,
        updated_at,
        row_number() over (
            partition by person_key
            order by
                case when is_active = false then 1 else 0 end,
                case when updated_at is null then 1 else 0 end,
                updated_at desc,
                source_system,
                contact_id
        ) as survivorship_rank
    from records

),

rolled as (

    select
        person_key,
        count(*) as n_records,
        count(distinct source_system) as n_source_systems,
        count(distinct customer_key) as n_customers,
        max(case when is_active = false then 0 else 1 end) as any_active
    from records
    group by person_key

)

select
    ranked.person_key,
    ranked.customer_key,
    ranked.full_name,
    ranked.job_title,
    ranked.department,
    coalesce(ranked.buying_role, 'other') as buying_role,
    ranked.email,
    ranked.phone,
    rolled.any_active = 1 as is_active,
    cast(rolled.n_records as bigint) as n_records,
    cast(rolled.n_source_systems as bigint) as n_source_systems,
    cast(rolled.n_customers as bigint) as n_customers,
    ranked.source_system as survivor_source_system,
    ranked.contact_id as survivor_contact_id
from ranked
inner join rolled
    on rolled.person_key = ranked.person_key
where ranked.survivorship_rank = 1
