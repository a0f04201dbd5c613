{#- One row per reported region x business unit x month: the reported
    on-time rate set against the verified history of the same cell, the gap
    and its significance, the denominator check, too-perfect series, survey
    gaming, the proven order patterns and how many points of the reported rate
    each explains, and a verdict (ok / suspect / beautified).

    Verified on-time rate = orders verified on time / verifiable orders due
    (valid promise, as of the data's cutoff), with its 95% Wilson interval and
    the verification coverage (verifiable / due) beside it. The rate of record
    is the reported figure only where the verdict is ok; otherwise the verified
    estimate. Months inside the confirmation window are marked provisional.

    Significance: p_value = P(X >= reported on-time count), X ~ BetaBinomial(
    reported orders due, defensible on-time + 0.5, defensible late + 0.5): the
    chance that the verified history produces the reported count, with the
    history's rate only as certain as its own number of orders. The defensible
    rate gives unverified orders the benefit of the doubt, so a small p_value
    is not explained by missing confirmations. Thresholds: var cx_integrity (macro cx_integrity). -#}
{%- set alpha_fail = cx_integrity('alpha_fail') -%}
{%- set alpha_suspect = cx_integrity('alpha_suspect') -%}
{%- set min_gap = cx_integrity('min_gap_points') -%}
{%- set perfect = cx_integrity('perfect_rate') -%}
with

log_factorials as (

    select n, log_factorial from {{ ref('int_integrity__log_factorials') }}

),

reports as (

    select
        region,
        business_unit,
        cast(period_start_date as date) as period_month_start,
        period_month,
        reported_orders_due,
        coalesce(
            reported_orders_on_time,
            cast(round(reported_on_time_rate * reported_orders_due, 0) as {{ dbt.type_int() }})
        ) as reported_orders_on_time,
        coalesce(
            reported_on_time_rate,
            cast(reported_orders_on_time as {{ cx_type_double() }}) / nullif(reported_orders_due, 0)
        ) as reported_on_time_rate,
        submitted_by,
        submitted_at
    from {{ ref('stg_fulfillment__regional_reports') }}
    where reported_orders_due is not null

),

facts as (

    select * from {{ ref('int_integrity__region_month_facts') }}

),

as_of as (

    select first_provisional_month_start from {{ ref('int_fulfillment__as_of') }}

),

joined as (

    select
        reports.region,
        reports.business_unit,
        reports.period_month_start,
        reports.period_month,
        reports.submitted_by,
        reports.submitted_at,
        reports.reported_orders_due,
        reports.reported_orders_on_time,
        cast(reports.reported_on_time_rate as {{ cx_type_double() }}) as reported_on_time_rate,
        coalesce(facts.orders_due_verified, 0) as orders_due_verified,
        coalesce(facts.orders_verifiable, 0) as orders_verifiable,
        reports.period_month_start >= as_of.first_provisional_month_start as is_provisional,
        coalesce(facts.orders_due_current_promise, 0) as orders_due_current_promise,
        coalesce(facts.orders_on_time_recorded_current, 0) as orders_on_time_recorded_current,
        coalesce(facts.orders_on_time_verified, 0) as orders_on_time_verified,
        coalesce(facts.orders_on_time_defensible, 0) as orders_on_time_defensible,
        coalesce(facts.orders_unverified, 0) as orders_unverified,
        coalesce(facts.orders_promise_moved, 0) as orders_promise_moved,
        coalesce(facts.orders_recorded_early, 0) as orders_recorded_early,
        coalesce(facts.orders_cancel_recreate, 0) as orders_cancel_recreate,
        coalesce(facts.orders_late_record_no_scan, 0) as orders_late_record_no_scan,
        coalesce(facts.lifted_promise_moved, 0) as lifted_promise_moved,
        coalesce(facts.lifted_recorded_early, 0) as lifted_recorded_early,
        coalesce(facts.lifted_cancel_recreate, 0) as lifted_cancel_recreate,
        coalesce(facts.lifted_unverified, 0) as lifted_unverified,
        coalesce(facts.orders_late_delivered, 0) as orders_late_delivered,
        coalesce(facts.orders_late_invited, 0) as orders_late_invited,
        coalesce(facts.orders_on_time_delivered, 0) as orders_on_time_delivered,
        coalesce(facts.orders_on_time_invited, 0) as orders_on_time_invited,
        facts.signal_staff_ids,
        facts.ten_cluster_senders,
        cast(facts.orders_on_time_verified as {{ cx_type_double() }})
            / nullif(facts.orders_verifiable, 0) as verified_on_time_rate,
        cast(facts.orders_verifiable as {{ cx_type_double() }})
            / nullif(facts.orders_due_verified, 0) as verification_coverage,
        cast(facts.orders_on_time_defensible as {{ cx_type_double() }})
            / nullif(facts.orders_due_verified, 0) as defensible_on_time_rate
    from reports
    cross join as_of
    left join facts
        on reports.region is not distinct from facts.region
        and reports.business_unit is not distinct from facts.business_unit
        and reports.period_month_start = facts.period_month_start

),

gap_tests as (

    select
        region,
        business_unit,
        period_month_start,
        reported_orders_due as trials,
        reported_orders_on_time as successes,
        {#- The defensible rate as its own history knows it (Jeffreys prior). -#}
        orders_on_time_defensible + 0.5 as rate_a,
        orders_due_verified - orders_on_time_defensible + 0.5 as rate_b
    from joined

),

gap_tails as (

    {{ cx_beta_binomial_tail('gap_tests', ['region', 'business_unit', 'period_month_start'],
        'trials', 'successes', 'rate_a', 'rate_b') }}

),

survey_cells as (

    {#- The selectivity test (were late orders invited as often as on-time
        ones?) has one definition, shared with the survey marking. -#}
    select
        region,
        business_unit,
        period_month_start,
        survey_selection_p_value,
        is_survey_selective
    from {{ ref('int_integrity__gamed_survey_cells') }}

),

tested as (

    select
        joined.*,
        gap_tails.p_value,
        survey_cells.survey_selection_p_value,
        coalesce(survey_cells.is_survey_selective, false) as is_survey_selective,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'joined.period_month_start', 'month') }}
            as month_number,
        joined.reported_on_time_rate >= {{ perfect }}
            and coalesce(joined.defensible_on_time_rate < {{ perfect }}, true) as is_near_perfect
    from joined
    left join gap_tails
        on joined.region is not distinct from gap_tails.region
        and joined.business_unit is not distinct from gap_tails.business_unit
        and joined.period_month_start = gap_tails.period_month_start
    left join survey_cells
        on joined.region is not distinct from survey_cells.region
        and joined.business_unit is not distinct from survey_cells.business_unit
        and joined.period_month_start = survey_cells.period_month_start

),

islands as (

    select
        tested.*,
        month_number - row_number() over (
            partition by region, business_unit, is_near_perfect order by month_number
        ) as island
    from tested

),

runs as (

    select
        islands.*,
        case
            when is_near_perfect then count(*) over (
                partition by region, business_unit, is_near_perfect, island
            )
            else 0
        end as perfect_run_months,
        {#- Smoothness: the reported series' variance over the trailing window
            against the variance of the defensible (verified) series of the
            same months. An honest report moves with what customers lived. -#}
        var_samp(reported_on_time_rate) over (
            partition by region, business_unit order by month_number
            rows between {{ cx_integrity('smooth_window_months') - 1 }} preceding and current row
        ) as reported_rate_variance_window,
        var_samp(defensible_on_time_rate) over (
            partition by region, business_unit order by month_number
            rows between {{ cx_integrity('smooth_window_months') - 1 }} preceding and current row
        ) as defensible_rate_variance_window,
        count(defensible_on_time_rate) over (
            partition by region, business_unit order by month_number
            rows between {{ cx_integrity('smooth_window_months') - 1 }} preceding and current row
        ) as smooth_window_months
    from islands

),

measured as (

    select
        runs.*,
        100.0 * (reported_on_time_rate - verified_on_time_rate) as gap_points,
        100.0 * (reported_on_time_rate - defensible_on_time_rate) as excess_points,
        {{ dbt.safe_cast('least(orders_due_verified, orders_due_current_promise) - reported_orders_due', dbt.type_int()) }}
            as denominator_shortfall,
        {#- On-time orders the report claims beyond the region's own records
            (recorded delivery vs current promise), net of extra due orders. -#}
        reported_orders_on_time - orders_on_time_recorded_current
            - case
                when reported_orders_due > orders_due_current_promise
                    then reported_orders_due - orders_due_current_promise
                else 0
            end as orders_beyond_records,
        100.0 * lifted_promise_moved / nullif(reported_orders_due, 0) as points_promise_moved,
        100.0 * lifted_recorded_early / nullif(reported_orders_due, 0)
            as points_delivery_recorded_early,
        100.0 * lifted_cancel_recreate / nullif(reported_orders_due, 0) as points_cancel_recreate,
        100.0 * lifted_unverified / nullif(reported_orders_due, 0) as points_unverified,
        case
            when least(orders_due_verified, orders_due_current_promise) > reported_orders_due
                then 100.0 * (
                    cast(reported_orders_on_time as {{ cx_type_double() }}) / nullif(reported_orders_due, 0)
                    - cast(reported_orders_on_time as {{ cx_type_double() }})
                        / least(orders_due_verified, orders_due_current_promise)
                )
            else 0.0
        end as points_denominator
    from runs

),

flagged as (

    select
        measured.*,
        coalesce(p_value < {{ alpha_fail }} and excess_points >= {{ min_gap }}, false)
            as is_gap_significant,
        coalesce(p_value < {{ alpha_suspect }} and excess_points >= {{ min_gap }}, false)
            as is_gap_suspect,
        orders_promise_moved > 0 as flag_promise_moved,
        orders_recorded_early > 0 as flag_delivery_recorded_early,
        orders_cancel_recreate > 0 as flag_cancel_recreate,
        denominator_shortfall >= {{ cx_integrity('denominator_min_orders') }}
            and denominator_shortfall
                >= {{ cx_integrity('denominator_min_share') }} * orders_due_verified
            as flag_cherry_picked_denominator,
        coalesce(
            reported_on_time_rate >= {{ perfect }}
            and (
                p_value < {{ alpha_suspect }}
                or orders_beyond_records >= 1
                or perfect_run_months >= {{ cx_integrity('perfect_run_months') }}
            ),
            false
        )
        or coalesce(
            smooth_window_months >= {{ cx_integrity('smooth_min_months') }}
            and defensible_rate_variance_window > 0
            and reported_rate_variance_window
                < {{ cx_integrity('smooth_max_variance_ratio') }} * defensible_rate_variance_window
            and excess_points >= {{ min_gap }},
            false
        ) as flag_too_perfect_report,
        is_survey_selective or ten_cluster_senders is not null as flag_survey_gaming,
        coalesce(
            orders_beyond_records >= {{ cx_integrity('beyond_records_min_orders') }}
            and 100.0 * orders_beyond_records / nullif(reported_orders_due, 0) >= {{ min_gap }},
            false
        ) as flag_exceeds_own_records,
        reported_orders_due >= {{ cx_integrity('denominator_min_orders') }}
            and orders_due_verified = 0 as flag_no_verified_history,
        lifted_promise_moved + lifted_recorded_early + lifted_cancel_recreate
            as orders_hidden_by_patterns
    from measured

),

verdicts as (

    select
        flagged.*,
        case
            when is_gap_significant
                or flag_cherry_picked_denominator
                or (flag_too_perfect_report and coalesce(p_value < {{ alpha_fail }}, false))
                or (
                    orders_hidden_by_patterns >= {{ cx_integrity('beautified_min_orders') }}
                    and 100.0 * orders_hidden_by_patterns / nullif(reported_orders_due, 0)
                        >= {{ cx_integrity('beautified_min_points') }}
                )
                then 'beautified'
            when is_gap_suspect
                or flag_promise_moved
                or flag_delivery_recorded_early
                or flag_cancel_recreate
                or flag_too_perfect_report
                or flag_exceeds_own_records
                or flag_survey_gaming
                or flag_no_verified_history
                then 'suspect'
            else 'ok'
        end as verdict
    from flagged

)

select
    region,
    business_unit,
    period_month_start,
    period_month,
    submitted_by,
    submitted_at,
    cast(reported_orders_due as {{ dbt.type_int() }}) as orders_due_reported,
    cast(reported_orders_on_time as {{ dbt.type_int() }}) as orders_on_time_reported,
    reported_on_time_rate,
    cast(orders_due_verified as {{ dbt.type_int() }}) as orders_due_verified,
    cast(orders_due_current_promise as {{ dbt.type_int() }}) as orders_due_current_promise,
    cast(orders_on_time_recorded_current as {{ dbt.type_int() }}) as orders_on_time_recorded_current,
    cast(orders_beyond_records as {{ dbt.type_int() }}) as orders_beyond_records,
    cast(orders_verifiable as {{ dbt.type_int() }}) as orders_verifiable,
    cast(orders_on_time_verified as {{ dbt.type_int() }}) as orders_on_time_verified,
    cast(verified_on_time_rate as {{ cx_type_double() }}) as verified_on_time_rate,
    cast(
        {{ cx_wilson_bound('orders_on_time_verified', 'orders_verifiable', 'lower') }}
        as {{ cx_type_double() }}
    ) as verified_on_time_rate_low,
    cast(
        {{ cx_wilson_bound('orders_on_time_verified', 'orders_verifiable', 'upper') }}
        as {{ cx_type_double() }}
    ) as verified_on_time_rate_high,
    cast(verification_coverage as {{ cx_type_double() }}) as verification_coverage,
    is_provisional,
    cast(orders_on_time_defensible as {{ dbt.type_int() }}) as orders_on_time_defensible,
    cast(defensible_on_time_rate as {{ cx_type_double() }}) as defensible_on_time_rate,
    cast(orders_unverified as {{ dbt.type_int() }}) as orders_unverified,
    cast(gap_points as {{ cx_type_double() }}) as gap_points,
    cast(excess_points as {{ cx_type_double() }}) as excess_points,
    cast(p_value as {{ cx_type_double() }}) as p_value,
    denominator_shortfall,
    cast(perfect_run_months as {{ dbt.type_int() }}) as perfect_run_months,
    cast(
        reported_rate_variance_window / nullif(defensible_rate_variance_window, 0)
        as {{ cx_type_double() }}
    ) as reported_variance_ratio,
    cast(survey_selection_p_value as {{ cx_type_double() }}) as survey_selection_p_value,
    flag_promise_moved,
    flag_delivery_recorded_early,
    flag_cancel_recreate,
    flag_cherry_picked_denominator,
    flag_too_perfect_report,
    flag_survey_gaming,
    flag_exceeds_own_records,
    flag_no_verified_history,
    is_gap_significant,
    cast(orders_promise_moved as {{ dbt.type_int() }}) as orders_promise_moved,
    cast(orders_recorded_early as {{ dbt.type_int() }}) as orders_delivery_recorded_early,
    cast(orders_cancel_recreate as {{ dbt.type_int() }}) as orders_cancel_recreate,
    cast(orders_late_record_no_scan as {{ dbt.type_int() }}) as orders_late_record_no_scan,
    cast(orders_hidden_by_patterns as {{ dbt.type_int() }}) as orders_hidden_by_patterns,
    cast(coalesce(points_promise_moved, 0) as {{ cx_type_double() }}) as points_promise_moved,
    cast(coalesce(points_delivery_recorded_early, 0) as {{ cx_type_double() }})
        as points_delivery_recorded_early,
    cast(coalesce(points_cancel_recreate, 0) as {{ cx_type_double() }}) as points_cancel_recreate,
    cast(points_denominator as {{ cx_type_double() }}) as points_cherry_picked_denominator,
    cast(coalesce(points_unverified, 0) as {{ cx_type_double() }}) as points_unverified,
    cast(
        gap_points - coalesce(points_promise_moved, 0) - coalesce(points_delivery_recorded_early, 0)
        - coalesce(points_cancel_recreate, 0) - points_denominator - coalesce(points_unverified, 0)
        as {{ cx_type_double() }}
    ) as points_unexplained,
    signal_staff_ids,
    ten_cluster_senders,
    verdict,
    verdict = 'beautified' as is_reported_figure_failed,
    {#- The rate of record: the reported figure only where nothing speaks
        against it; otherwise the verified estimate (NULL when no order of the
        cell could be verified: unknown, not the reported figure). -#}
    cast(
        case when verdict = 'ok' then reported_on_time_rate else verified_on_time_rate end
        as {{ cx_type_double() }}
    ) as rate_of_record,
    case when verdict = 'ok' then 'reported' else 'verified' end as rate_of_record_source,
    {{ dbt.concat([
        "case when is_gap_significant then 'reported ' || cast(round(100.0 * reported_on_time_rate, 1) as " ~ dbt.type_string() ~ ") || '% vs verified ' || coalesce(cast(round(100.0 * verified_on_time_rate, 1) as " ~ dbt.type_string() ~ ") || '%', 'n/a') || ' (p=' || cast(p_value as " ~ dbt.type_string() ~ ") || '); ' else '' end",
        "case when flag_cherry_picked_denominator then cast(denominator_shortfall as " ~ dbt.type_string() ~ ") || ' due orders missing from the reported denominator; ' else '' end",
        "case when flag_promise_moved then cast(orders_promise_moved as " ~ dbt.type_string() ~ ") || ' promise(s) moved after the due date; ' else '' end",
        "case when flag_delivery_recorded_early then cast(orders_recorded_early as " ~ dbt.type_string() ~ ") || ' manual delivery record(s) dated before the customer-confirmed receipt; ' else '' end",
        "case when flag_cancel_recreate then cast(orders_cancel_recreate as " ~ dbt.type_string() ~ ") || ' late order(s) cancelled and re-created; ' else '' end",
        "case when flag_too_perfect_report then 'too-perfect report (' || cast(perfect_run_months as " ~ dbt.type_string() ~ ") || ' month run at >= " ~ perfect ~ "); ' else '' end",
        "case when flag_survey_gaming then 'delivery surveys selective' || coalesce(' / 10s clustered on ' || ten_cluster_senders, '') || '; ' else '' end",
        "case when flag_exceeds_own_records then cast(orders_beyond_records as " ~ dbt.type_string() ~ ") || ' on-time order(s) reported beyond the region''s own records; ' else '' end",
        "case when flag_no_verified_history then 'no verified order behind the report; ' else '' end",
        "coalesce('staff: ' || signal_staff_ids, '')"
    ]) }} as evidence
from verdicts
