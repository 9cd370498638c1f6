-- One row per conversation, with every per-conversation fact the KPIs use, including
-- whether a resolved conversation was followed by a new one from the same customer.
with conversations as (
    select * from {{ ref('int_conversations') }}
),

-- the next conversation the same customer opened (customers without an id have none)
with_next as (
    select
        *,
        if(customer_id is null, null,
            leadInFrame(toNullable(started_at)) over (
                partition by tenant_id, customer_id
                order by started_at, conversation_id
                rows between current row and 1 following
            )) as next_conversation_started_at
    from conversations
),

final as (
    select
        *,
        -- first contact resolution: resolved, and no new conversation within 7 days of the resolution
        if(is_resolved,
            not (next_conversation_started_at is not null
                 and next_conversation_started_at <= resolved_at + interval 7 day),
            null) as first_contact_resolved
    from with_next
)

select * from final
