-- One row per bot release a tenant has run: when it was first and last seen, so a regression
-- can name the release it follows.
with conversations as (
    select * from {{ ref('fct_conversations') }}
    where bot_version is not null
),

final as (
    select
        -- ids
        tenant_id,
        toString(bot_version) as bot_version,
        -- timestamps
        min(started_at) as first_seen_at,
        max(started_at) as last_seen_at,
        -- volume
        count() as conversations
    from conversations
    group by tenant_id, bot_version
)

select * from final
