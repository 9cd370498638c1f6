-- Proactive messages of one tenant over a date range: one row per template and campaign, with
-- delivery, read, reply and conversion counts and rates, and cost. A send belongs to the local
-- date it was sent on.
with sends as (
    select *, toDate(sent_at, {timezone:String}) as sent_on
    from {{ ref('fct_proactive_sends') }}(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date})
    -- the view reads only this tenant's sends of the range; said again for its unit tests, whose input is a plain table
    where tenant_id = {tenant_id:String}
),

in_range as (
    select * from sends
    where sent_on >= {date_from:Date} and sent_on <= {date_to:Date}
),

-- delivery, read and failure are known only for sends WhatsApp reported a status for: their
-- counts and rates are over those sends, and unknown (null) when there is none
counts as (
    select
        template,
        campaign,
        count() as sent,
        countIf(status_known) as with_status,
        countIf(delivered) as delivered_sends,
        countIf(read) as read_sends,
        countIf(failed) as failed_sends,
        countIf(replied) as replied_sends,
        countIf(converted) as converted_sends,
        sum(conversion_value) as total_conversion_value,
        sum(cost) as total_cost
    from in_range
    group by template, campaign
),

final as (
    select
        template,
        campaign,
        sent,
        with_status,
        if(with_status = 0, null, delivered_sends) as delivered,
        if(with_status = 0, null, delivered_sends / with_status) as delivered_rate,
        if(with_status = 0, null, read_sends) as read,
        if(with_status = 0, null, read_sends / with_status) as read_rate,
        if(with_status = 0, null, failed_sends) as failed,
        if(with_status = 0, null, failed_sends / with_status) as failed_rate,
        replied_sends as replied,
        replied_sends / sent as reply_rate,
        converted_sends as conversions,
        converted_sends / sent as conversion_rate,
        total_conversion_value as conversion_value,
        total_cost as cost
    from counts
    order by template, campaign
)

select * from final
