-- One row per conversation with the per-conversation value behind each KPI the regression
-- detector tests: 0/1 outcomes for rates (their mean is the rate of fct_kpis) and the raw
-- seconds for first response time and handoff wait (compared with a rank test).
with conversations as (
    select * from {{ ref('fct_conversations') }}
),

final as (
    select
        -- ids
        tenant_id,
        conversation_id,
        -- timestamps
        started_at,
        -- segments
        ifNull(toString(use_case), '') as use_case,
        ifNull(toString(intent), '') as intent,
        ifNull(toString(bot_version), '') as bot_version,
        toString(channel) as channel,
        -- rate outcomes, 0 or 1
        toUInt8(ifNull(escalated, false)) as escalated,
        toUInt8(ifNull(bot_resolved, false)) as bot_resolved,
        toUInt8(fallbacks > 0) as had_fallback,
        if(csat is null, null, toUInt8(csat >= 4)) as csat_good,
        -- durations, seconds
        frt_s,
        handoff_wait_s
    from conversations
)

select * from final
