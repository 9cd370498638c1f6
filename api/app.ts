// The HTTP API: one Hono app, routes mounted under /v1, errors mapped to HTTP in one place.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { Logger } from 'pino'
import type { PulsoConfig } from '../config/config.ts'
import { Accounts } from '../domain/accounts/accounts.ts'
import type { BulkLoads } from '../ingest/file-load/bulk-loads.ts'
import type { EventSink, Intake } from '../ingest/intake.ts'
import { webhookInbox } from '../ingest/webhook-inbox.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { SqlSandbox } from '../warehouse/sql-sandbox/sandbox.ts'
import { errorResponse } from './errors.ts'
import { provideAccounts } from './middleware/auth.ts'
import { apiKeysRoutes } from './routes/api-keys.ts'
import { auditRoutes } from './routes/audit.ts'
import { chatwootRoutes } from './routes/chatwoot.ts'
import { conversationsRoutes } from './routes/conversations.ts'
import { costsRoutes } from './routes/costs.ts'
import { eventsRoutes } from './routes/events.ts'
import { goalsRoutes } from './routes/goals.ts'
import { handoffsRoutes } from './routes/handoffs.ts'
import { healthRoutes } from './routes/health.ts'
import { invitesRoutes } from './routes/invites.ts'
import { kpisRoutes } from './routes/kpis.ts'
import { modelsRoutes } from './routes/models.ts'
import { peopleRoutes } from './routes/people.ts'
import { proactiveRoutes } from './routes/proactive.ts'
import { regressionsRoutes } from './routes/regressions.ts'
import { reviewRoutes } from './routes/review.ts'
import { sessionRoutes } from './routes/session.ts'
import { sqlRoutes } from './routes/sql.ts'
import { ssoRoutes } from './routes/sso.ts'
import { tenantRoutes } from './routes/tenant.ts'
import { twilioRoutes } from './routes/twilio.ts'
import { useCasesRoutes } from './routes/use-cases.ts'
import { whatsappRoutes } from './routes/whatsapp.ts'

export const DASHBOARD_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dashboard/dist')

export type AppDeps = {
  config: PulsoConfig
  warehouse: Warehouse
  intake: Intake
  /** Where POST /v1/events/bulk loads: straight into the warehouse, whatever `sink` is. */
  bulkLoads: BulkLoads
  logger?: Logger
  /** Where POST /v1/events stores batches; by default the intake writes straight to ClickHouse. */
  sink?: EventSink
  /** Start-up state that /healthz reports (model tests, demo seeding). */
  status?: Record<string, unknown>
  /** People's accounts and sessions; by default made from the warehouse and config.accounts. */
  accounts?: Accounts
}

export function createApp(deps: AppDeps) {
  const { config, warehouse, intake } = deps
  const sink: EventSink = deps.sink ?? ((items, tenantId) => intake.ingest(items, { source: 'http', tenantId }))
  const app = new Hono()
  app.onError((error, c) => errorResponse(error, c, (e) => deps.logger?.error({ err: e }, 'request failed')))
  // People's sessions count wherever a key does: every /v1 route can tell who signed in.
  const accounts = deps.accounts ?? new Accounts(warehouse, config.accounts, deps.logger)
  app.use('/v1/*', provideAccounts(accounts))
  app.route('/v1/session', sessionRoutes({ accounts, settings: config.accounts }))
  app.route('/v1/sso', ssoRoutes({ config, accounts, logger: deps.logger }))
  app.route('/v1/keys', apiKeysRoutes({ apiKeys: config.apiKeys, warehouse }))
  app.route('/v1/audit', auditRoutes({ apiKeys: config.apiKeys, warehouse }))
  app.route('/v1/people', peopleRoutes({ apiKeys: config.apiKeys, accounts }))
  app.route('/v1/invites', invitesRoutes({ apiKeys: config.apiKeys, accounts }))
  app.route('/healthz', healthRoutes({ warehouse, status: deps.status ?? {} }))
  app.route(
    '/v1/events',
    eventsRoutes({ apiKeys: config.apiKeys, maxBodyBytes: config.maxBodyBytes, maxBulkBytes: config.maxBulkBytes, sink, bulkLoads: deps.bulkLoads }),
  )
  app.route('/v1/kpis', kpisRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/goals', goalsRoutes({ config, warehouse }))
  app.route('/v1/use-cases', useCasesRoutes({ config, warehouse }))
  app.route('/v1/regressions', regressionsRoutes({ config, warehouse }))
  app.route('/v1/review', reviewRoutes({ config, warehouse }))
  app.route('/v1/webhooks/whatsapp', whatsappRoutes({ config, inbox: () => webhookInbox({ warehouse, intake, config, logger: deps.logger }) }))
  app.route('/v1/webhooks/chatwoot', chatwootRoutes({ config, inbox: () => webhookInbox({ warehouse, intake, config, logger: deps.logger }) }))
  app.route('/v1/webhooks/twilio', twilioRoutes({ config, inbox: () => webhookInbox({ warehouse, intake, config, logger: deps.logger }) }))
  app.route('/v1/costs', costsRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/proactive', proactiveRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/sql', sqlRoutes({ apiKeys: config.apiKeys, sandbox: new SqlSandbox(warehouse, config) }))
  app.route('/v1/models', modelsRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/conversations', conversationsRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/handoffs', handoffsRoutes({ apiKeys: config.apiKeys, warehouse, config }))
  app.route('/v1/tenant', tenantRoutes({ apiKeys: config.apiKeys, config }))
  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404))
  if (existsSync(DASHBOARD_DIST)) {
    const root = path.relative(process.cwd(), DASHBOARD_DIST)
    const apiPath = (p: string) => p.startsWith('/v1/') || p === '/healthz' || p === '/metrics'
    app.use('/*', async (c, next) => (apiPath(c.req.path) ? next() : serveStatic({ root })(c, next)))
    // The dashboard is a single-page app: unknown non-API paths get its index.html.
    app.get('/*', async (c, next) => (apiPath(c.req.path) ? next() : serveStatic({ root, path: 'index.html' })(c, next)))
  }
  return app
}
