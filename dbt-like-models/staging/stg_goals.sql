-- One row per live goal (tenant_id, goal_id): the latest version written by the config sync or
-- the admin API; a goal whose latest version is a deletion is gone.
with source as (
    select * from {{ source('pulso', 'goals') }}
),

latest as (
    select
        -- ids
        tenant_id,
        goal_id,
        -- definition
        argMax(kpi, updated_at) as kpi,
        argMax(segment_by, updated_at) as segment_by,
        argMax(segment_value, updated_at) as segment_value,
        argMax(target, updated_at) as target,
        argMax(direction, updated_at) as direction,
        argMax(period, updated_at) as period,
        argMax(owner, updated_at) as owner,
        argMax(at_risk_margin, updated_at) as at_risk_margin,
        argMax(source, updated_at) as source,
        argMax(deleted, updated_at) as deleted,
        -- timestamps
        max(updated_at) as version_at
    from source
    group by tenant_id, goal_id
),

final as (
    select * except (deleted, version_at), version_at as updated_at from latest
    where deleted = 0
)

select * from final
