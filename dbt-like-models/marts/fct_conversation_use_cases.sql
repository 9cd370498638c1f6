-- One row per conversation with the registered use case it belongs to (by its use_case, else
-- by its intent), that use case's policy, and whether the bot kept a human-only conversation.
with conversations as (
    select
        tenant_id, conversation_id, use_case, intent, bot_version, channel, started_at,
        escalated, bot_resolved, csat, cost,
        first_customer_at is not null as has_customer_message,
        ifNull(toString(use_case), '') as use_case_key,
        ifNull(toString(intent), '') as intent_key
    from {{ ref('fct_conversations') }}
),

registry as (
    select tenant_id, name, policy, intents from {{ ref('stg_use_cases') }}
),

-- an intent listed under two use cases goes to the first by name, so matching is deterministic
registry_intents as (
    select tenant_id, intent, min(name) as name
    from (select tenant_id, name, arrayJoin(intents) as intent from registry)
    group by tenant_id, intent
),

matched_name as (
    select
        conversations.tenant_id as tenant_id,
        conversations.conversation_id as conversation_id,
        conversations.use_case as use_case,
        conversations.intent as intent,
        conversations.bot_version as bot_version,
        conversations.channel as channel,
        conversations.started_at as started_at,
        conversations.escalated as escalated,
        conversations.bot_resolved as bot_resolved,
        conversations.csat as csat,
        conversations.cost as cost,
        conversations.has_customer_message as has_customer_message,
        multiIf(
            by_name.name != '', by_name.name,
            by_intent.name != '', by_intent.name,
            ''
        ) as registered_name
    from conversations
    left join registry as by_name
        on conversations.tenant_id = by_name.tenant_id and conversations.use_case_key = by_name.name
    left join registry_intents as by_intent
        on conversations.tenant_id = by_intent.tenant_id and conversations.intent_key = by_intent.intent
),

with_policy as (
    select
        matched_name.tenant_id as tenant_id,
        matched_name.conversation_id as conversation_id,
        matched_name.use_case as use_case,
        matched_name.intent as intent,
        matched_name.bot_version as bot_version,
        matched_name.channel as channel,
        matched_name.started_at as started_at,
        matched_name.escalated as escalated,
        matched_name.bot_resolved as bot_resolved,
        matched_name.csat as csat,
        matched_name.cost as cost,
        matched_name.has_customer_message as has_customer_message,
        matched_name.registered_name as registered_name,
        registry.policy as registered_policy
    from matched_name
    left join registry
        on matched_name.tenant_id = registry.tenant_id and matched_name.registered_name = registry.name
),

final as (
    select
        -- ids
        tenant_id,
        conversation_id,
        -- segments as the events carried them
        use_case,
        intent,
        bot_version,
        channel,
        -- timestamps
        started_at,
        -- registry match
        if(registered_name = '', null, registered_name) as registered_use_case,
        if(registered_name = '', null, registered_policy) as policy,
        -- a proactive message nobody answered is no customer request, so it is outside nothing
        (registered_name = '' and has_customer_message) as outside_use_cases,
        has_customer_message,
        -- the row of fct_use_case_scorecard it counts in (and its drill-down filter)
        multiIf(
            registered_name != '', registered_name,
            has_customer_message, '(outside)',
            '(no customer message)'
        ) as scorecard_use_case,
        -- outcomes the scorecard counts
        escalated,
        bot_resolved,
        csat,
        cost,
        (registered_name != '' and registered_policy = 'human' and not escalated) as bot_kept_human_only
    from with_policy
)

select * from final
