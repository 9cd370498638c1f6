-- One row per tenant: the latest settings synced from configuration.
with source as (
    select * from {{ source('pulso', 'tenants') }}
),

latest as (
    select
        tenant_id,
        argMax(name, updated_at) as name,
        argMax(timezone, updated_at) as timezone,
        argMax(currency, updated_at) as currency
    from source
    group by tenant_id
)

select * from latest
