// POST /v1/webhooks/twilio/:tenant — Twilio Programmable Messaging webhooks for WhatsApp: incoming
// messages and status callbacks (application/x-www-form-urlencoded). X-Twilio-Signature is checked
// with the tenant's auth token over the URL Twilio called and the form's parameters; the raw body is
// stored and Pulso answers an empty TwiML <Response/> (no reply to the customer, no error in
// Twilio's debugger); mapping into events runs after the answer (ingest/webhook-inbox.ts).
import { Hono } from 'hono'
import type { PulsoConfig } from '../../config/config.ts'
import { isValidTwilioSignature, parseForm } from '../../ingest/twilio/signature.ts'
import type { WebhookInbox } from '../../ingest/webhook-inbox.ts'
import { ApiError } from '../errors.ts'
import { limitBody } from '../middleware/body-limit.ts'

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

export type TwilioRouteOptions = {
  config: Pick<PulsoConfig, 'twilio' | 'maxBodyBytes'>
  inbox: () => WebhookInbox
  /** The clock of receipt, which is the time of Twilio's events (tests set it). */
  now?: () => Date
}

/** The URL Twilio called: the configured public base with the request's path and query, else the URL as received. */
export function calledUrl(requestUrl: string, publicUrl: string | undefined): string {
  if (!publicUrl) return requestUrl
  const seen = new URL(requestUrl)
  return `${publicUrl}${seen.pathname}${seen.search}`
}

export function twilioRoutes(options: TwilioRouteOptions) {
  const { config } = options
  const now = options.now ?? (() => new Date())
  // Created at start-up where this tenant kind is configured, so its replay of unprocessed bodies runs then.
  if (config.twilio.tenants.size > 0) options.inbox()
  return new Hono().post('/:tenant', limitBody(config.maxBodyBytes), async (c) => {
    const receivedAt = now()
    const tenantId = c.req.param('tenant')
    const tenant = config.twilio.tenants.get(tenantId)
    const body = await c.req.text()
    const params = parseForm(body)
    const urls = [calledUrl(c.req.url, config.twilio.publicUrl), ...(tenant?.forwardedFrom ? [tenant.forwardedFrom] : [])]
    // The same answer for an unknown tenant and a bad signature: nothing to probe.
    if (!tenant || !isValidTwilioSignature(c.req.header('x-twilio-signature'), tenant.authToken, urls, params)) {
      throw new ApiError(
        403,
        'forbidden',
        `X-Twilio-Signature is missing or is not the signature of this request under the tenant's Twilio auth token (checked against ${urls[0]}; behind a proxy set twilio.public_url to the URL configured in Twilio)`,
      )
    }
    const account = params.AccountSid
    if (tenant.accountSid && account !== tenant.accountSid) {
      throw new ApiError(403, 'forbidden', `AccountSid is not the tenant's Twilio account (${tenant.accountSid})`)
    }
    await options.inbox().accept('twilio', tenantId, body, receivedAt)
    return c.body(EMPTY_TWIML, 200, { 'content-type': 'text/xml; charset=utf-8' })
  })
}
