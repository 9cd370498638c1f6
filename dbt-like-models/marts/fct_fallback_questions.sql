-- One row per bot fallback (a question the bot could not answer), with the question normalised
-- so that spelling variants of one question group together: lower case, accents and punctuation
-- removed, spaces collapsed ("¿Cómo uso mi cupón?" and "como uso mi cupon" become one).
with events as (
    select * from {{ ref('stg_events') }}
    where type = 'bot_fallback'
),

final as (
    select
        -- ids
        tenant_id,
        event_id,
        conversation_id,
        -- timestamps
        occurred_at,
        -- segments
        use_case,
        intent,
        bot_version,
        channel,
        -- the question as asked and normalised
        ifNull(question, '') as question,
        trim(replaceRegexpAll(
            replaceRegexpAll(normalizeUTF8NFD(lowerUTF8(ifNull(question, ''))), '\\p{Mn}', ''),
            '[^a-z0-9]+', ' ')) as question_normalized,
        confidence
    from events
)

select * from final
