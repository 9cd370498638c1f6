-- One row per (tenant_id, conversation_id, event_id): the contract says a repeated event counts
-- once (its copies are identical, conversation included; an event_id reused in another
-- conversation is another event, so that a conversation's facts depend on its own events only).
-- The raw table is a ReplacingMergeTree, but merges run when ClickHouse pleases, so this
-- model deduplicates at query time and is correct before, during and after any merge.
--
-- It also assigns conversations to events whose producer could not (WhatsApp gives no
-- conversation id for inbound messages): conversation_id 'auto' or 'auto:…' with a customer_id.
-- A customer's activity (messages, proactive sends, fallbacks, handoffs), in time order, is one
-- conversation until a gap of at least the tenant's inactivity gap (default 24 h); resolutions,
-- CSAT, costs and conversions never open one, they join the latest conversation started at or
-- before them (or the first, if they precede all). Because this is a function of the set of
-- events, redelivery and arrival order cannot change it; a late message can only extend or
-- join conversations, never split one. The id is 'auto:<customer_id>:<start in epoch ms>'.
with source as (
    select * from {{ source('pulso', 'events') }}
),

-- the inactivity gap per tenant, seconds; tenant '*' is the default for every tenant
gap_settings as (
    select mapFromArrays(groupArray(tenant_id), groupArray(gap_seconds)) as gap_by_tenant
    from (
        select tenant_id, argMax(gap_seconds, updated_at) as gap_seconds
        from {{ source('pulso', 'session_settings') }}
        group by tenant_id
    )
),

deduplicated as (
    -- the earliest received copy wins; copies of one event_id are identical by contract. The
    -- type and time are in the BY list though they never split copies: ClickHouse moves a
    -- filter on BY columns below LIMIT BY, so a read of one tenant's fallbacks or sends in a date
    -- range reads that tenant's months only, not all of its history.
    select *
    from source
    order by tenant_id, conversation_id, event_id, type, occurred_at, received_at
    limit 1 by tenant_id, conversation_id, event_id, type, occurred_at
),

-- events that leave their conversation to Pulso: filtered from the source before deduplicating,
-- so the (costly) deduplication of all events runs once, in `deduplicated`. Copies of one
-- event_id are identical by contract, so they agree on whether they leave it to Pulso.
auto_events as (
    select *
    from source
    where (conversation_id = 'auto' or startsWith(conversation_id, 'auto:'))
        and customer_id is not null
    order by tenant_id, conversation_id, event_id, type, occurred_at, received_at
    limit 1 by tenant_id, conversation_id, event_id, type, occurred_at
),

-- with the gap that applies to their tenant
thread_events as (
    select
        *,
        type in ('message', 'proactive_sent', 'bot_fallback', 'handoff') as is_activity,
        1000 * toInt64(multiIf(
            mapContains((select gap_by_tenant from gap_settings), tenant_id), (select gap_by_tenant from gap_settings)[tenant_id],
            mapContains((select gap_by_tenant from gap_settings), '*'), (select gap_by_tenant from gap_settings)['*'],
            86400)) as gap_ms
    from auto_events
),

-- an activity opens a conversation when the customer's previous activity is at least a gap earlier
conversation_starts as (
    select
        *,
        is_activity and (previous_activity_at is null
            or dateDiff('millisecond', previous_activity_at, occurred_at) >= gap_ms) as opens_conversation
    from (
        select
            *,
            maxIf(toNullable(occurred_at), is_activity) over (
                partition by tenant_id, customer_id
                order by occurred_at, event_id
                rows between unbounded preceding and 1 preceding
            ) as previous_activity_at
        from thread_events
    )
),

sessionized as (
    select
        * except (is_activity, gap_ms, previous_activity_at, opens_conversation, latest_start, first_start, first_event_at)
        replace (concat('auto:', assumeNotNull(customer_id), ':',
            toString(toUnixTimestamp64Milli(coalesce(latest_start, first_start, first_event_at)))) as conversation_id)
    from (
        select
            *,
            maxIf(toNullable(occurred_at), opens_conversation) over (
                partition by tenant_id, customer_id
                order by occurred_at, event_id
                rows between unbounded preceding and current row
            ) as latest_start,
            minIf(toNullable(occurred_at), opens_conversation) over (partition by tenant_id, customer_id) as first_start,
            min(occurred_at) over (partition by tenant_id, customer_id) as first_event_at
        from conversation_starts
    )
),

with_conversations as (
    select * from deduplicated
    where not ((conversation_id = 'auto' or startsWith(conversation_id, 'auto:')) and customer_id is not null)
    union all
    select * from sessionized
),

final as (
    select
        -- ids
        tenant_id,
        event_id,
        conversation_id,
        type,
        -- timestamps
        occurred_at,
        received_at,
        -- segments
        channel,
        customer_id,
        use_case,
        intent,
        bot_version,
        -- message
        sender,
        agent_id,
        text,
        -- bot_fallback
        question,
        confidence,
        -- handoff
        handoff_reason,
        context_transcript,
        context_customer_profile,
        context_intent,
        queue,
        (type = 'handoff'
            and context_transcript = true
            and context_customer_profile = true
            and coalesce(context_intent, '') != '') as handoff_has_full_context,
        -- resolved, csat
        resolved_by,
        score,
        comment,
        -- money
        amount,
        value,
        currency,
        component,
        category,
        -- proactive
        template,
        campaign,
        -- WhatsApp: the message an event is about (a template send's wamid, a customer message's own
        -- wamid) and, for a customer message, the business message it replies to
        -- (most events carry no extra fields: skip the JSON parsing for them)
        coalesce(
            if(extra = '{}', null, nullIf(JSONExtractString(extra, 'whatsapp_message_id'), '')),
            if(type = 'message' and startsWith(event_id, 'wa:wamid.'), substring(event_id, 4), null)) as whatsapp_message_id,
        if(extra = '{}', null, nullIf(JSONExtractString(extra, 'wa_context_id'), '')) as whatsapp_context_id,
        source
    from with_conversations
)

select * from final
