-- After the handoff, per agent or per queue, for one tenant over a date range: one row per period
-- and agent (by = 'agent') or queue (by = 'queue'). A parameterized view, cut like fct_kpis: a
-- conversation belongs to the period that contains its started_at, in the tenant's time zone.
-- Only conversations that reached a person count: handed off, or answered by an agent.
with periodized as (
    select
        *,
        -- null: a handoff without a queue, or no agent has written yet
        if({by:String} = 'queue', queue, agent_id) as team
    from {{ ref('int_conversation_periods') }}(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String})
    where escalated or agent_id is not null
),

kpis as (
    select
        period,
        team,
        count() as conversations,
        countIf(escalated) as handed_off,
        countIf(is_resolved) as resolved_conversations,
        -- times, seconds; linear interpolation between closest ranks, as fct_kpis
        quantileExactInclusive(0.5)(resolution_s) as resolution_p50_s,
        quantileExactInclusive(0.5)(handoff_wait_s) as agent_first_reply_p50_s,
        -- every customer turn of the group's conversations, not a median of medians
        quantileExactInclusiveArray(0.5)(agent_reply_times_s) as agent_reply_p50_s,
        countIf(reopened) as reopened_conversations,
        countIf(reopened) / count() as reopen_rate,
        -- satisfaction and first contact resolution, as fct_kpis
        if(count(csat) = 0, null, 100 * countIf(csat >= 4) / count(csat)) as csat_score,
        avg(csat) as csat_avg,
        if(countIf(is_resolved) = 0, null, countIf(first_contact_resolved) / countIf(is_resolved)) as fcr_rate
    from periodized
    group by period, team
),

final as (
    select * from kpis
    order by period, team is null, team
)

select * from final
