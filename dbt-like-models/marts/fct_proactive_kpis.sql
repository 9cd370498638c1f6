-- Proactive messages of one tenant over a date range: one row per template and campaign, with
-- delivery, read, reply and conversion rates. A send belongs to the local date it was sent on.
with sends as (
    select *, toDate(sent_at, {timezone:String}) as sent_on
    from {{ ref('fct_proactive_sends') }}
    where tenant_id = {tenant_id:String}
),

in_range as (
    select * from sends
    where sent_on >= {date_from:Date} and sent_on <= {date_to:Date}
),

rates as (
    select
        template,
        campaign,
        count() as sent,
        countIf(delivered) / count() as delivered_rate,
        countIf(read) / count() as read_rate,
        countIf(failed) / count() as failed_rate,
        countIf(replied) / count() as reply_rate,
        countIf(converted) as conversions,
        countIf(converted) / count() as conversion_rate,
        sum(conversion_value) as conversion_value
    from in_range
    group by template, campaign
),

final as (
    select * from rates
    order by template, campaign
)

select * from final
