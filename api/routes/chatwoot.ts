// POST /v1/webhooks/chatwoot/:tenant/:token — Chatwoot's account webhooks (agent messages,
// conversation status, CSAT). Chatwoot cannot add an Authorization header to its webhooks, so the
// tenant's secret token is part of the URL configured in Chatwoot; it is compared in constant time.
import { Hono } from 'hono'
import type { PulsoConfig } from '../../config/config.ts'
import type { WebhookInbox } from '../../ingest/webhook-inbox.ts'
import { sameSecret } from '../../ingest/whatsapp/signature.ts'
import { ApiError } from '../errors.ts'
import { limitBody } from '../middleware/body-limit.ts'

export function chatwootRoutes(options: { config: Pick<PulsoConfig, 'chatwoot' | 'maxBodyBytes'>; inbox: () => WebhookInbox }) {
  const { config } = options
  // Created at start-up where this tenant kind is configured, so its replay of unprocessed bodies runs then.
  if (config.chatwoot.tenants.size > 0) options.inbox()
  return new Hono().post('/:tenant/:token', limitBody(config.maxBodyBytes), async (c) => {
    const tenantId = c.req.param('tenant')
    const tenant = config.chatwoot.tenants.get(tenantId)
    if (!tenant || !sameSecret(c.req.param('token'), tenant.token)) {
      throw new ApiError(401, 'unauthorized', 'unknown tenant or wrong webhook token in the URL')
    }
    const id = await options.inbox().accept('chatwoot', tenantId, await c.req.text())
    return c.json({ received: true, notification_id: id }, 200)
  })
}
