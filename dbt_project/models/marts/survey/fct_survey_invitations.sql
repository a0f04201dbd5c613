{#- The survey funnel: one row per invitation sent, whether it was answered, and who
    and where it went to, so response rates can be read by touchpoint, channel,
    buying role and region.

    Rules (the contract's invitations name an addressee, not a person):
    - answered: a response names the invitation (responses without an invitation id,
      or naming an unknown one, are not in the funnel);
    - person: the CRM contact records whose e-mail, else phone, is the invitation's
      (contact_keys macros); a key shared by two people resolves to nobody;
    - buying role: the person's (dim_contact), else 'unknown';
    - region: the surveyed order's region when the invitation names an order, else
      the customer's CRM region when it has exactly one, else 'unknown';
    - touchpoint: an invitation does not name one; a delivery survey's is
      'delivery', a support survey's 'support_ticket', relationship and journey
      surveys are their own group (a journey answer names its touchpoint, its
      invitation does not). -#}
with

invitations as (

    select
        invitation_id,
        survey_id,
        survey_type,
        channel,
        sent_at,
        contact_email,
        contact_phone,
        order_id,
        sent_by
    from {{ ref('stg_survey__invitations') }}

),

answers as (

    select
        invitation_id,
        count(*) as n_responses,
        min(submitted_at) as first_submitted_at
    from {{ ref('stg_survey__responses') }}
    where invitation_id is not null
    group by invitation_id

),

contact_records as (

    select
        clusters.person_key,
        {{ cx_email_key('contacts.email') }} as email_key,
        {{ cx_phone_key('contacts.phone') }} as phone_key
    from {{ ref('stg_crm__contacts') }} as contacts
    inner join {{ ref('stg_identity__contact_clusters') }} as clusters
        on clusters.source_system = contacts.source_system
        and clusters.contact_id = contacts.contact_id
    where clusters.person_key is not null

),

email_people as (

    select
        email_key,
        min(person_key) as person_key,
        count(distinct person_key) as n_people
    from contact_records
    where email_key is not null
    group by email_key

),

phone_people as (

    select
        phone_key,
        min(person_key) as person_key,
        count(distinct person_key) as n_people
    from contact_records
    where phone_key is not null
    group by phone_key

),

order_members as (

    select
        order_id,
        source_system,
        chain_order_id
    from {{ ref('int_fulfillment__order_id_links') }}

),

orders as (

    select
        source_system,
        chain_order_id,
        region
    from {{ ref('fct_orders') }}

),

keyed as (

    select
        invitations.invitation_id,
        invitations.survey_id,
        invitations.survey_type,
        invitations.channel,
        invitations.sent_at,
        invitations.order_id,
        invitations.sent_by,
        {{ cx_email_key('invitations.contact_email') }} as email_key,
        {{ cx_phone_key('invitations.contact_phone') }} as phone_key
    from invitations

),

matched as (

    select
        keyed.invitation_id,
        keyed.survey_id,
        keyed.survey_type,
        keyed.channel,
        keyed.sent_at,
        keyed.order_id,
        keyed.sent_by,
        case
            when email_people.n_people = 1 then email_people.person_key
            when email_people.n_people is null and phone_people.n_people = 1
                then phone_people.person_key
        end as person_key,
        case
            when email_people.n_people = 1 then 'email'
            when email_people.n_people > 1 then 'ambiguous_email'
            when phone_people.n_people = 1 then 'phone'
            when phone_people.n_people > 1 then 'ambiguous_phone'
            when keyed.email_key is null and keyed.phone_key is null then 'no_address'
            else 'not_in_crm'
        end as contact_match_method,
        orders.region as order_region
    from keyed
    left join email_people on email_people.email_key = keyed.email_key
    left join phone_people on phone_people.phone_key = keyed.phone_key
    left join order_members on order_members.order_id = keyed.order_id
    left join orders
        on orders.source_system = order_members.source_system
        and orders.chain_order_id = order_members.chain_order_id

),

contacts as (

    select
        person_key,
        customer_key,
        buying_role
    from {{ ref('dim_contact') }}

),

customers as (

    select
        customer_key,
        case when crm_regions not like '%, %' then crm_regions end as only_crm_region
    from {{ ref('dim_customer') }}

)

select
    matched.invitation_id,
    matched.survey_id,
    matched.survey_type,
    case matched.survey_type
        when 'delivery' then 'delivery'
        when 'support' then 'support_ticket'
        else matched.survey_type
    end as touchpoint,
    matched.channel,
    matched.sent_at,
    cast(matched.sent_at as date) as sent_date,
    cast({{ dbt.date_trunc('month', 'matched.sent_at') }} as date) as sent_month,
    matched.sent_by,
    matched.order_id,
    matched.person_key,
    contacts.customer_key,
    matched.contact_match_method,
    coalesce(contacts.buying_role, 'unknown') as buying_role,
    coalesce(matched.order_region, customers.only_crm_region, 'unknown') as region,
    case
        when matched.order_region is not null then 'order'
        when customers.only_crm_region is not null then 'customer'
        else 'unknown'
    end as region_source,
    answers.invitation_id is not null as is_answered,
    cast(coalesce(answers.n_responses, 0) as bigint) as n_responses,
    answers.first_submitted_at,
    cast(
        {{ dbt.datediff('matched.sent_at', 'answers.first_submitted_at', 'minute') }} / 60.0
        as double
    ) as hours_to_answer
from matched
left join contacts on contacts.person_key = matched.person_key
left join customers on customers.customer_key = contacts.customer_key
left join answers on answers.invitation_id = matched.invitation_id
