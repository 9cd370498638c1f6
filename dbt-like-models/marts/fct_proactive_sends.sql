-- One row per proactive message (template) a tenant sent in a date range (local send dates):
-- whether WhatsApp delivered it, the customer read it (unknown, null, when WhatsApp reported no
-- status for it), replied to it and converted after it, and what it cost.
-- A parameterized view, so that every read it makes is bounded: the tenant's events, the sends
-- of the range, the statuses of those sends, the messages and conversions of their customers
-- from the range's first day on (a reply or conversion comes after its send), and the stored
-- facts of their conversations; never another tenant's rows or the history before the range.
with events as (
    select * from {{ ref('stg_events') }}
    where tenant_id = {tenant_id:String}
),

tenants as (
    select * from {{ ref('stg_tenants') }}
),

sends as (
    select
        tenant_id,
        event_id,
        conversation_id,
        customer_id,
        occurred_at as sent_at,
        template,
        category,
        campaign,
        whatsapp_message_id
    from events
    where type = 'proactive_sent'
        and toDate(occurred_at, {timezone:String}) >= {date_from:Date}
        and toDate(occurred_at, {timezone:String}) <= {date_to:Date}
),

-- one row per (message, status): redelivered statuses count once
statuses as (
    select tenant_id, message_id, status
    from {{ source('pulso', 'whatsapp_statuses') }}
    -- a status comes after its send, so on or after the range's first day
    where tenant_id = {tenant_id:String}
        and occurred_at >= toDateTime({date_from:Date}, {timezone:String})
    order by tenant_id, message_id, status, received_at
    limit 1 by tenant_id, message_id, status
),

-- a read message was delivered, even when WhatsApp skipped the delivered status
delivery as (
    select
        tenant_id,
        message_id,
        max(status in ('delivered', 'read')) as delivered,
        max(status = 'read') as read,
        max(status = 'failed') as failed,
        -- an unmatched send gets false here (the join's default): its delivery is unknown
        true as has_status
    from statuses
    group by tenant_id, message_id
),

-- Customer messages of the customers who were sent something, read from the raw events without
-- removing repeats: a reply is whether any message answers the send, which a repeat cannot
-- change, and skipping the deduplication of every message of the tenant's history is what keeps
-- this model's cost near that of its sends. The context id is stg_events' (extra.wa_context_id).
customer_messages as (
    select tenant_id, customer_id, occurred_at,
        if(extra = '{}', null, nullIf(JSONExtractString(extra, 'wa_context_id'), '')) as whatsapp_context_id
    from {{ source('pulso', 'events') }}
    where tenant_id = {tenant_id:String}
        and occurred_at >= toDateTime({date_from:Date}, {timezone:String})
        and type = 'message' and sender = 'customer' and customer_id is not null
        and customer_id in (select customer_id from sends where customer_id is not null)
),

-- a reply: the customer answered the message itself (a template button), or wrote within the 24 h after it
replies as (
    select
        sends.tenant_id as tenant_id,
        sends.event_id as event_id,
        countIf(
            (sends.whatsapp_message_id is not null and customer_messages.whatsapp_context_id = sends.whatsapp_message_id)
            or (customer_messages.occurred_at > sends.sent_at and customer_messages.occurred_at <= sends.sent_at + interval 24 hour)
        ) > 0 as replied
    from sends
    left join customer_messages
        on sends.tenant_id = customer_messages.tenant_id and sends.customer_id = customer_messages.customer_id
    group by sends.tenant_id, sends.event_id
),

conversion_events as (
    select
        events.tenant_id as tenant_id,
        events.customer_id as customer_id,
        events.occurred_at as occurred_at,
        events.campaign as campaign,
        toFloat64(events.value) as value,
        events.currency = if(tenants.currency = '', 'USD', tenants.currency) as in_tenant_currency
    from events
    left join tenants on events.tenant_id = tenants.tenant_id
    where events.type = 'conversion' and events.customer_id is not null
        -- after a send of the range, and within 7 days of it
        and events.occurred_at >= toDateTime({date_from:Date}, {timezone:String})
        and events.occurred_at < toDateTime({date_to:Date}, {timezone:String}) + interval 8 day
),

-- a conversion within 7 days after the send, by the same customer, of the send's campaign (or of none)
conversions as (
    select
        tenant_id,
        event_id,
        countIf(matched) > 0 as converted,
        coalesce(sumIf(value, matched and in_tenant_currency), 0) as conversion_value
    from (
        select
            sends.tenant_id as tenant_id,
            sends.event_id as event_id,
            conversion_events.value as value,
            conversion_events.in_tenant_currency as in_tenant_currency,
            conversion_events.occurred_at > sends.sent_at
                and conversion_events.occurred_at <= sends.sent_at + interval 7 day
                and (conversion_events.campaign is null or conversion_events.campaign = sends.campaign) as matched
        from sends
        left join conversion_events
            on sends.tenant_id = conversion_events.tenant_id and sends.customer_id = conversion_events.customer_id
    )
    group by tenant_id, event_id
),

-- A send's cost: the charges of its category (utility or marketing) in the conversation it belongs
-- to, as the stored conversation facts hold them (int_conversations' currency rule), shared evenly
-- among the conversation's sends of that category, so no charge counts twice.
sends_per_conversation as (
    select tenant_id, conversation_id, category, count() as sends
    from sends
    group by tenant_id, conversation_id, category
),

conversation_charges as (
    select tenant_id, conversation_id, cost_utility, cost_marketing
    from {{ ref('fct_conversations') }}
    where tenant_id = {tenant_id:String}
        -- a send's conversation started at or before it
        and started_at < toDateTime({date_to:Date}, {timezone:String}) + interval 1 day
        and conversation_id in (select conversation_id from sends)
),

send_costs as (
    select
        sends_per_conversation.tenant_id as tenant_id,
        sends_per_conversation.conversation_id as conversation_id,
        sends_per_conversation.category as category,
        multiIf(
            sends_per_conversation.category = 'utility', conversation_charges.cost_utility,
            sends_per_conversation.category = 'marketing', conversation_charges.cost_marketing,
            0) / sends_per_conversation.sends as cost
    from sends_per_conversation
    inner join conversation_charges
        on sends_per_conversation.tenant_id = conversation_charges.tenant_id
        and sends_per_conversation.conversation_id = conversation_charges.conversation_id
),

final as (
    select
        -- ids
        sends.tenant_id as tenant_id,
        sends.event_id as event_id,
        sends.conversation_id as conversation_id,
        sends.customer_id as customer_id,
        sends.whatsapp_message_id as whatsapp_message_id,
        -- what was sent
        sends.template as template,
        sends.category as category,
        sends.campaign as campaign,
        sends.sent_at as sent_at,
        -- what happened to it
        coalesce(delivery.has_status, false) as status_known,
        if(status_known, toNullable(delivery.delivered), null) as delivered,
        if(status_known, toNullable(delivery.read), null) as read,
        if(status_known, toNullable(delivery.failed), null) as failed,
        replies.replied as replied,
        conversions.converted as converted,
        conversions.conversion_value as conversion_value,
        coalesce(send_costs.cost, 0) as cost
    from sends
    left join delivery
        on sends.tenant_id = delivery.tenant_id and sends.whatsapp_message_id = delivery.message_id
    left join replies
        on sends.tenant_id = replies.tenant_id and sends.event_id = replies.event_id
    left join conversions
        on sends.tenant_id = conversions.tenant_id and sends.event_id = conversions.event_id
    left join send_costs
        on sends.tenant_id = send_costs.tenant_id and sends.conversation_id = send_costs.conversation_id
        and sends.category = send_costs.category
)

select * from final
