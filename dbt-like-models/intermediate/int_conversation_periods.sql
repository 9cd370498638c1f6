-- The stored conversation facts of one tenant that started in a date range, each with the period
-- that contains its start in the tenant's time zone: its day, its week (Monday first), its month,
-- or for grain 'all' the range itself (period = date_from). Every per-period mart reads this, so
-- the rule "a conversation belongs to the period that contains its started_at" is written once.
-- The filter names the stored table's sort key (tenant, then start), so a read costs its window.
with conversations as (
    select *, toDate(started_at, {timezone:String}) as started_on
    from {{ ref('fct_conversations') }}
    where tenant_id = {tenant_id:String}
),

in_range as (
    select * from conversations
    where started_on >= {date_from:Date} and started_on <= {date_to:Date}
),

final as (
    select
        *,
        multiIf(
            {grain:String} = 'day', started_on,
            {grain:String} = 'week', toMonday(started_on),
            {grain:String} = 'month', toStartOfMonth(started_on),
            {date_from:Date}
        ) as period
    from in_range
)

select * from final
