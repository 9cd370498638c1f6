// Delivers one Slack-compatible message (`text` plus `blocks`) to one webhook URL.
export type SlackMessage = { text: string; blocks: object[] }

export type DeliveryResult = { ok: boolean; status?: number; error?: string }

export async function postWebhook(url: string, message: SlackMessage, timeoutMs = 10_000): Promise<DeliveryResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    })
    await response.arrayBuffer().catch(() => undefined)
    return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, error: `webhook answered HTTP ${response.status}` }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

/** A message with a headline, a body in Slack mrkdwn and a button into the dashboard. */
export function slackMessage(headline: string, body: string, link: string): SlackMessage {
  return {
    text: `${headline} — ${link}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*\n${body}` } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Pulso' }, url: link }] },
    ],
  }
}
