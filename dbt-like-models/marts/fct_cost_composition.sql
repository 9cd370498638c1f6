-- What the cost per conversation is made of, for one tenant over a date range: one row per period
-- and part — a cost component (whatsapp, llm, agent, other) or a WhatsApp pricing category
-- (service, utility, marketing, authentication, none). A parameterized view, cut like fct_kpis:
-- a conversation belongs to the period that contains its started_at, in the tenant's time zone.
-- The parts of a period share its denominators, so they sum to fct_kpis' cost_per_conversation.
with periodized as (
    select * from {{ ref('int_conversation_periods') }}(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String})
),

-- each conversation once per part of the split asked for, with its cost in that part
-- (the stored facts already hold every part, under the one currency rule of int_conversations)
parts as (
    select
        period,
        is_resolved,
        costs_in_other_currency,
        split.1 as part,
        split.2 as part_cost,
        cost as conversation_cost
    from periodized
    array join
        if({by:String} = 'category',
            [
                (toNullable('service'), cost_service),
                (toNullable('utility'), cost_utility),
                (toNullable('marketing'), cost_marketing),
                (toNullable('authentication'), cost_authentication),
                (null, cost_uncategorized)
            ],
            [
                (toNullable('whatsapp'), cost_whatsapp),
                (toNullable('llm'), cost_llm),
                (toNullable('agent'), cost_agent),
                (toNullable('other'), cost_other)
            ]) as split
),

composition as (
    select
        period,
        part,
        count() as conversations,
        countIf(is_resolved) as resolved_conversations,
        sum(part_cost) as cost,
        -- share of the period's cost; none when the period cost nothing
        if(sum(conversation_cost) = 0, null, sum(part_cost) / sum(conversation_cost)) as cost_share,
        sum(part_cost) / count() as cost_per_conversation,
        if(countIf(is_resolved) = 0, null, sum(part_cost) / countIf(is_resolved)) as cost_per_resolved_conversation,
        sum(costs_in_other_currency) as costs_in_other_currency
    from parts
    group by period, part
),

final as (
    select * from composition
    order by period, part is null, part
)

select * from final
