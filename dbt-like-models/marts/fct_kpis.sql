-- The KPIs of DESIGN.md for one tenant over a date range: one row per period (and segment).
-- A parameterized view: the tenant's time zone cuts days, weeks (Monday first) and months,
-- and a conversation belongs to the period that contains its started_at.
with periodized as (
    select
        *,
        multiIf(
            {by:String} = 'use_case', toNullable(toString(use_case)),
            {by:String} = 'intent', toNullable(toString(intent)),
            {by:String} = 'bot_version', toNullable(toString(bot_version)),
            {by:String} = 'channel', toNullable(toString(channel)),
            null
        ) as segment
    from {{ ref('int_conversation_periods') }}(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String})
),

kpis as (
    select
        period,
        segment,
        count() as conversations,
        -- first response time (seconds); linear interpolation between closest ranks
        quantileExactInclusive(0.5)(frt_s) as frt_p50_s,
        quantileExactInclusive(0.9)(frt_s) as frt_p90_s,
        avg(frt_s) as frt_avg_s,
        -- resolution and escalation
        countIf(bot_resolved) / count() as bot_resolution_rate,
        countIf(escalated) / count() as escalation_rate,
        quantileExactInclusive(0.5)(handoff_wait_s) as handoff_wait_p50_s,
        if(sum(handoffs) = 0, null, sum(handoffs_with_context) / sum(handoffs)) as handoff_context_rate,
        -- satisfaction
        if(count(csat) = 0, null, 100 * countIf(csat >= 4) / count(csat)) as csat_score,
        avg(csat) as csat_avg,
        count(csat) / count() as csat_response_rate,
        -- cost
        sum(cost) / count() as cost_per_conversation,
        -- first contact resolution
        if(countIf(is_resolved) = 0, null, countIf(first_contact_resolved) / countIf(is_resolved)) as fcr_rate
    from periodized
    group by period, segment
),

final as (
    select * from kpis
    order by period, segment
)

select * from final
