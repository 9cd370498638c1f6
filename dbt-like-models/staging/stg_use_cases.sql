-- One row per registered use case (tenant_id, name): the latest version; deletions remove it.
with source as (
    select * from {{ source('pulso', 'use_cases') }}
),

latest as (
    select
        -- ids
        tenant_id,
        name,
        -- policy and intents
        argMax(policy, updated_at) as policy,
        argMax(intents, updated_at) as intents,
        argMax(description, updated_at) as description,
        argMax(source, updated_at) as source,
        argMax(deleted, updated_at) as deleted,
        -- timestamps
        max(updated_at) as version_at
    from source
    group by tenant_id, name
),

final as (
    select * except (deleted, version_at), version_at as updated_at from latest
    where deleted = 0
)

select * from final
