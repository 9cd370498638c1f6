-- The scorecard per registered use case for one tenant and date range, plus one row for the
-- conversations outside every use case and one for proactive messages nobody answered (no
-- customer request to classify). Rates use the definitions of fct_kpis.
with conversations as (
    select *
    from {{ ref('fct_conversation_use_cases') }}
    where tenant_id = {tenant_id:String}
        and toDate(started_at, {timezone:String}) >= {date_from:Date}
        and toDate(started_at, {timezone:String}) <= {date_to:Date}
),

registry as (
    select name as use_case, policy, true as in_registry
    from {{ ref('stg_use_cases') }}
    where tenant_id = {tenant_id:String}
    union all
    select '(outside)' as use_case, '' as policy, false as in_registry
    union all
    select '(no customer message)' as use_case, '' as policy, false as in_registry
),

counts as (
    select
        scorecard_use_case as use_case,
        count() as n,
        countIf(bot_resolved) as n_bot_resolved,
        countIf(escalated) as n_escalated,
        count(csat) as n_csat,
        countIf(csat >= 4) as n_csat_good,
        sum(cost) as total_cost,
        countIf(bot_kept_human_only) as n_bot_kept_human_only
    from conversations
    group by scorecard_use_case
),

joined as (
    select
        registry.use_case as use_case,
        registry.policy as policy,
        registry.in_registry as in_registry,
        coalesce(counts.n, 0) as conversations,
        counts.n_bot_resolved as n_bot_resolved,
        counts.n_escalated as n_escalated,
        counts.n_csat as n_csat,
        counts.n_csat_good as n_csat_good,
        counts.total_cost as total_cost,
        coalesce(counts.n_bot_kept_human_only, 0) as bot_kept_human_only
    from registry
    left join counts on registry.use_case = counts.use_case
),

final as (
    select
        -- the use case
        use_case,
        if(policy = '', null, policy) as policy,
        in_registry,
        -- volume
        conversations,
        if(sum(conversations) over () = 0, null, conversations / sum(conversations) over ()) as share,
        -- outcomes (same formulas as fct_kpis)
        if(conversations = 0, null, n_bot_resolved / conversations) as bot_resolution_rate,
        if(conversations = 0, null, n_escalated / conversations) as escalation_rate,
        if(n_csat = 0, null, 100 * n_csat_good / n_csat) as csat_score,
        if(conversations = 0, null, total_cost / conversations) as cost_per_conversation,
        -- policy adherence: a human-only use case the bot kept to itself
        bot_kept_human_only
    from joined
    order by in_registry desc, conversations desc, use_case
)

select * from final
