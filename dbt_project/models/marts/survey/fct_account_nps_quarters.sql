{#- Account NPS summed up per quarter, overall (segment 'all') and per
    segment: revenue-weighted NPS across accounts, revenue coverage, and the
    role-weighted NPS of all voices, each with its n. -#}
with

accounts as (

    select
        customer_key,
        quarter_start,
        segment,
        n_voices,
        n_promoters,
        n_detractors,
        role_weight_total,
        weighted_promoters,
        weighted_detractors,
        account_nps,
        contract_value_cny,
        has_answer
    from {{ ref('fct_account_nps') }}

),

scoped as (

    select
        'all' as segment,
        quarter_start,
        n_voices,
        n_promoters,
        n_detractors,
        role_weight_total,
        weighted_promoters,
        weighted_detractors,
        account_nps,
        contract_value_cny,
        has_answer
    from accounts
    union all
    select
        segment,
        quarter_start,
        n_voices,
        n_promoters,
        n_detractors,
        role_weight_total,
        weighted_promoters,
        weighted_detractors,
        account_nps,
        contract_value_cny,
        has_answer
    from accounts

),

summed as (

    select
        quarter_start,
        segment,
        sum(case when has_answer then 1 else 0 end) as n_accounts_answered,
        sum(case when contract_value_cny > 0 then 1 else 0 end) as n_accounts_with_contract_value,
        sum(n_voices) as n_voices,
        sum(n_promoters) as n_promoters,
        sum(n_detractors) as n_detractors,
        sum(role_weight_total) as role_weight_total,
        sum(weighted_promoters) as weighted_promoters,
        sum(weighted_detractors) as weighted_detractors,
        sum(case when has_answer then contract_value_cny else 0 end) as answered_contract_value_cny,
        sum(contract_value_cny) as contract_value_cny,
        sum(case when has_answer then account_nps * contract_value_cny else 0 end)
            as revenue_weighted_nps_numerator
    from scoped
    group by quarter_start, segment

)

select
    quarter_start,
    segment,
    {{ cx_count('n_accounts_answered') }} as n_accounts_answered,
    {{ cx_count('n_accounts_with_contract_value') }} as n_accounts_with_contract_value,
    {{ cx_count('n_voices') }} as n_voices,
    {{ cx_count('n_promoters') }} as n_promoters,
    {{ cx_count('n_detractors') }} as n_detractors,
    {{ cx_nps('n_promoters', 'n_detractors', 'n_voices') }} as nps_unweighted,
    {{ cx_nps_se('n_promoters', 'n_detractors', 'n_voices') }} as nps_unweighted_se,
    {{ cx_nps('weighted_promoters', 'weighted_detractors', 'role_weight_total') }} as role_weighted_nps,
    case when answered_contract_value_cny > 0
        then revenue_weighted_nps_numerator / answered_contract_value_cny
    end as revenue_weighted_nps,
    {{ cx_money('answered_contract_value_cny') }} as answered_contract_value_cny,
    {{ cx_money('contract_value_cny') }} as contract_value_cny,
    case when contract_value_cny > 0
        then answered_contract_value_cny / contract_value_cny
    end as revenue_coverage
from summed
