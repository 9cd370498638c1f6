-- One row per (tenant_id, event_id): the contract says a repeated event counts once.
-- The raw table is a ReplacingMergeTree, but merges run when ClickHouse pleases, so this
-- model deduplicates at query time and is correct before, during and after any merge.
with source as (
    select * from {{ source('pulso', 'events') }}
),

deduplicated as (
    -- the earliest received copy wins; copies of one event_id are identical by contract
    select *
    from source
    order by tenant_id, event_id, received_at
    limit 1 by tenant_id, event_id
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
        source
    from deduplicated
)

select * from final
