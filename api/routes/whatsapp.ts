// GET|POST /v1/webhooks/whatsapp/:tenant — Meta's verification handshake and signed notifications.
// A POST is checked against the tenant's app secret on the raw bytes, stored raw, and answered 200;
// mapping into events runs after the answer (ingest/webhook-inbox.ts).
import { Hono } from 'hono'
import type { PulsoConfig } from '../../config/config.ts'
import { DEFAULT_SESSION_GAP_SECONDS } from '../../config/whatsapp.ts'
import type { WebhookInbox } from '../../ingest/webhook-inbox.ts'
import { isValidSignature, sameSecret } from '../../ingest/whatsapp/signature.ts'
import { ApiError } from '../errors.ts'
import { limitBody } from '../middleware/body-limit.ts'

export function whatsappRoutes(options: { config: Pick<PulsoConfig, 'whatsapp' | 'maxBodyBytes'>; inbox: () => WebhookInbox }) {
  const { config } = options
  // Created at start-up where this tenant kind is configured, so its replay of unprocessed bodies runs then.
  // A configured gap must reach the conversation model even before the first webhook arrives.
  const customGap = [...config.whatsapp.sessionGapSeconds].some(([tenant, gap]) => tenant !== '*' || gap !== DEFAULT_SESSION_GAP_SECONDS)
  if (config.whatsapp.tenants.size > 0 || customGap) options.inbox()
  return new Hono()
    .get('/:tenant', (c) => {
      const tenant = config.whatsapp.tenants.get(c.req.param('tenant'))
      const mode = c.req.query('hub.mode')
      const token = c.req.query('hub.verify_token') ?? ''
      const challenge = c.req.query('hub.challenge') ?? ''
      if (!tenant || mode !== 'subscribe' || !sameSecret(token, tenant.verifyToken)) {
        throw new ApiError(403, 'forbidden', "verification failed: hub.mode must be subscribe and hub.verify_token the tenant's verify token")
      }
      return c.text(challenge, 200)
    })
    .post('/:tenant', limitBody(config.maxBodyBytes), async (c) => {
      const tenantId = c.req.param('tenant')
      const tenant = config.whatsapp.tenants.get(tenantId)
      const raw = new Uint8Array(await c.req.arrayBuffer())
      // The same answer for an unknown tenant and a bad signature: nothing to probe.
      if (!tenant || !isValidSignature(raw, c.req.header('x-hub-signature-256'), tenant.appSecret)) {
        throw new ApiError(401, 'unauthorized', "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with this tenant's app secret")
      }
      const id = await options.inbox().accept('whatsapp', tenantId, Buffer.from(raw).toString('utf8'))
      return c.json({ received: true, notification_id: id }, 200)
    })
}
