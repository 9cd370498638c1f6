-- One row per conversation: the per-conversation facts of DESIGN.md's KPI definitions.
with source_events as (
    select * from {{ ref('stg_events') }}
),

tenants as (
    select * from {{ ref('stg_tenants') }}
),

-- each event with its tenant's reporting currency (USD for a tenant without settings); the
-- currency rule of every cost fact, stated once: a cost counts when it is in that currency
-- (amounts in other currencies are not converted)
with_currency as (
    select
        source_events.*,
        if(tenants.currency = '', 'USD', tenants.currency) as tenant_currency
    from source_events
    left join tenants on source_events.tenant_id = tenants.tenant_id
),

events as (
    select
        *,
        type = 'cost' and currency = tenant_currency as is_counted_cost,
        if(is_counted_cost, coalesce(amount, 0), 0) as counted_amount
    from with_currency
),

-- one pass over the events of each conversation; reply and agent-message times are kept as
-- arrays so the replies "at or after" an anchor are found without joining events to themselves
facts as (
    select
        events.tenant_id as tenant_id,
        events.conversation_id as conversation_id,
        min(events.occurred_at) as started_at,
        max(events.occurred_at) as last_event_at,
        minIf(toNullable(events.occurred_at), events.type = 'message' and events.sender = 'customer') as first_customer_at,
        minIf(toNullable(events.occurred_at), events.type = 'handoff') as handoff_at,
        groupArrayIf(events.occurred_at, events.type = 'message' and events.sender in ('bot', 'agent')) as reply_times,
        groupArrayIf(events.occurred_at, events.type = 'message' and events.sender = 'agent') as agent_times,
        -- segments: the latest value any event carried (later detection refines earlier)
        argMaxIf(events.channel, events.occurred_at, events.channel != '') as channel,
        argMaxIf(events.use_case, events.occurred_at, events.use_case is not null) as use_case,
        argMaxIf(events.intent, events.occurred_at, events.intent is not null) as intent,
        argMaxIf(events.bot_version, events.occurred_at, events.bot_version is not null) as bot_version,
        -- the customer: the first named (ties: the smaller id, so that every computation agrees;
        -- a whole-tenant recomputation partitions conversations by it, see conversation-facts.ts)
        argMinIf(events.customer_id, (events.occurred_at, events.customer_id), events.customer_id is not null) as customer_id,
        -- handoffs
        countIf(events.type = 'handoff') as handoffs,
        countIf(events.handoff_has_full_context) as handoffs_with_context,
        argMinIf(events.handoff_reason, events.occurred_at, events.type = 'handoff') as handoff_reason,
        -- after the handoff: its queue (the earliest handoff that names one), the agent who holds
        -- the conversation last (the latest agent message that names one), and every message in
        -- time order (ties: the earlier received) to measure the agent's replies turn by turn
        argMinIf(events.queue, (events.occurred_at, events.received_at), events.type = 'handoff' and events.queue is not null) as queue,
        argMaxIf(events.agent_id, (events.occurred_at, events.received_at),
            events.type = 'message' and events.sender = 'agent' and events.agent_id is not null) as agent_id,
        minIf(toNullable(events.occurred_at), events.type = 'message' and events.sender = 'agent') as first_agent_at,
        maxIf(toNullable(events.occurred_at), events.type = 'message' and events.sender = 'customer') as last_customer_at,
        arraySort(m -> (m.1, m.2), groupArrayIf((events.occurred_at, events.received_at, coalesce(events.sender, '')), events.type = 'message')) as message_log,
        -- resolution and CSAT: the latest event of each kind wins (ties: the later received)
        argMaxIf(events.resolved_by, (events.occurred_at, events.received_at), events.type = 'resolved') as resolved_by,
        maxIf(toNullable(events.occurred_at), events.type = 'resolved') as resolved_at,
        minIf(toNullable(events.occurred_at), events.type = 'resolved') as first_resolved_at,
        argMaxIf(events.score, (events.occurred_at, events.received_at), events.type = 'csat') as csat,
        -- fallbacks and costs
        countIf(events.type = 'bot_fallback') as fallbacks,
        countIf(events.type = 'message') as messages,
        -- cost in the tenant's currency, in all and by what was paid for: the component
        -- (anything outside the contract's three named ones is 'other') and WhatsApp's pricing
        -- category (none, or one outside the contract's four: uncategorized), so each split sums to cost
        toFloat64(sum(events.counted_amount)) as cost,
        toFloat64(sumIf(events.counted_amount, events.component = 'whatsapp')) as cost_whatsapp,
        toFloat64(sumIf(events.counted_amount, events.component = 'llm')) as cost_llm,
        toFloat64(sumIf(events.counted_amount, events.component = 'agent')) as cost_agent,
        toFloat64(sumIf(events.counted_amount, coalesce(events.component, '') not in ('whatsapp', 'llm', 'agent'))) as cost_other,
        toFloat64(sumIf(events.counted_amount, events.category = 'service')) as cost_service,
        toFloat64(sumIf(events.counted_amount, events.category = 'utility')) as cost_utility,
        toFloat64(sumIf(events.counted_amount, events.category = 'marketing')) as cost_marketing,
        toFloat64(sumIf(events.counted_amount, events.category = 'authentication')) as cost_authentication,
        toFloat64(sumIf(events.counted_amount,
            coalesce(events.category, '') not in ('service', 'utility', 'marketing', 'authentication'))) as cost_uncategorized,
        countIf(events.type = 'cost' and not events.is_counted_cost) as costs_in_other_currency,
        any(events.tenant_currency) as currency,
        countIf(events.type = 'proactive_sent') > 0 as proactive
    from events
    group by events.tenant_id, events.conversation_id
),

-- the first bot or agent message at or after the first customer message, and the first
-- agent message at or after the first handoff
replies as (
    select
        *,
        arrayFilter(t -> first_customer_at is not null and t >= first_customer_at, reply_times) as replies_after_customer,
        arrayFilter(t -> handoff_at is not null and t >= handoff_at, agent_times) as agent_after_handoff,
        if(empty(replies_after_customer), null, toNullable(arrayMin(replies_after_customer))) as first_reply_at,
        if(empty(agent_after_handoff), null, toNullable(arrayMin(agent_after_handoff))) as first_agent_after_handoff_at
    from facts
),

-- an agent holds the conversation from its first agent message after the handoff (without a
-- handoff: its first agent message). Each customer turn from then on (a customer message that
-- does not follow another customer message) waits for the next agent message: its reply time.
-- A turn no agent answered has none.
agent_turns as (
    select
        *,
        if(handoff_at is null, first_agent_at, first_agent_after_handoff_at) as held_from,
        arrayMap(m -> m.1, message_log) as message_times,
        arrayMap(m -> m.3, message_log) as message_senders,
        arrayFilter(i -> held_from is not null
                and message_senders[i] = 'customer'
                and message_times[i] >= held_from
                and (i = 1 or message_senders[i - 1] != 'customer'),
            arrayEnumerate(message_senders)) as customer_turns,
        arrayMap(i -> arrayFirstIndex((sender, j) -> j > i and sender = 'agent', message_senders, arrayEnumerate(message_senders)),
            customer_turns) as turn_replies,
        arrayFilter(x -> x >= 0,
            arrayMap((i, r) -> if(r = 0, -1, dateDiff('millisecond', message_times[i], message_times[r]) / 1000), customer_turns, turn_replies)
        ) as agent_reply_times_s
    from replies
),

final as (
    select
        -- ids
        facts.tenant_id as tenant_id,
        facts.conversation_id as conversation_id,
        facts.customer_id as customer_id,
        -- segments
        if(facts.channel = '', 'whatsapp', facts.channel) as channel,
        facts.use_case as use_case,
        facts.intent as intent,
        facts.bot_version as bot_version,
        -- timestamps
        facts.started_at as started_at,
        facts.last_event_at as last_event_at,
        facts.first_customer_at as first_customer_at,
        facts.first_reply_at as first_reply_at,
        facts.handoff_at as handoff_at,
        facts.first_agent_after_handoff_at as first_agent_after_handoff_at,
        facts.resolved_at as resolved_at,
        facts.first_resolved_at as first_resolved_at,
        -- response times, seconds with millisecond precision
        dateDiff('millisecond', facts.first_customer_at, facts.first_reply_at) / 1000 as frt_s,
        dateDiff('millisecond', facts.handoff_at, facts.first_agent_after_handoff_at) / 1000 as handoff_wait_s,
        -- after the handoff
        facts.queue as queue,
        facts.agent_id as agent_id,
        facts.agent_reply_times_s as agent_reply_times_s,
        -- reopened: a customer wrote after the first resolution; the resolution that counts is
        -- the latest, unless a customer wrote after it too (open again: no resolution time)
        toBool(coalesce(facts.last_customer_at > facts.first_resolved_at, false)) as reopened,
        if(facts.resolved_at is null or facts.first_customer_at is null or facts.last_customer_at > facts.resolved_at,
            null,
            dateDiff('millisecond', facts.first_customer_at, facts.resolved_at) / 1000) as resolution_s,
        -- escalation and resolution
        facts.handoffs > 0 as escalated,
        facts.handoffs as handoffs,
        facts.handoffs_with_context as handoffs_with_context,
        facts.handoff_reason as handoff_reason,
        facts.resolved_by as resolved_by,
        facts.resolved_by is not null as is_resolved,
        (facts.resolved_by = 'bot' and facts.handoffs = 0) as bot_resolved,
        -- satisfaction
        facts.csat as csat,
        -- activity
        facts.messages as messages,
        facts.fallbacks as fallbacks,
        facts.proactive as proactive,
        -- cost
        facts.cost as cost,
        facts.cost_whatsapp as cost_whatsapp,
        facts.cost_llm as cost_llm,
        facts.cost_agent as cost_agent,
        facts.cost_other as cost_other,
        facts.cost_service as cost_service,
        facts.cost_utility as cost_utility,
        facts.cost_marketing as cost_marketing,
        facts.cost_authentication as cost_authentication,
        facts.cost_uncategorized as cost_uncategorized,
        facts.currency as currency,
        facts.costs_in_other_currency as costs_in_other_currency
    from agent_turns as facts
)

select * from final
