// The webhook inbox: a signed notification is written raw to ClickHouse before Pulso answers 200,
// then turned into events in the background. Meta expects a fast 200 and retries for days
// otherwise; storing first means an accepted notification survives a crash, and the start-up
// replay (recover) processes whatever was stored but not processed. Processing is idempotent
// (event ids are WhatsApp's, Chatwoot's and Twilio's own ids), so a replay never counts anything
// twice. The time of receipt is stored with the body: Twilio's requests carry no time of their
// own, so it is their events' time, and a replay must see the same one.
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { PulsoConfig } from '../config/config.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { syncSessionGaps } from '../warehouse/repositories/session-settings.ts'
import { type InboxRow, insertInboxRow, listUnprocessedInbox, markInboxProcessed } from '../warehouse/repositories/webhook-inbox.ts'
import { insertWhatsAppStatuses } from '../warehouse/repositories/whatsapp-statuses.ts'
import { mapChatwootWebhook } from './chatwoot/map-webhook.ts'
import { toClickHouseTime } from './contract/timestamp.ts'
import type { BatchItem, Intake, IntakeResult } from './intake.ts'
import { mapTwilioWebhook } from './twilio/map-webhook.ts'
import { parseForm } from './twilio/signature.ts'
import { mapNotification } from './whatsapp/map-notification.ts'

export type WebhookSource = 'whatsapp' | 'chatwoot' | 'twilio'

export type InboxDeps = { warehouse: Warehouse; intake: Intake; config: Pick<PulsoConfig, 'hashKey' | 'whatsapp'>; logger?: Logger }

export type ProcessResult = IntakeResult & { statuses: number; unused: string[] }

export class WebhookInbox {
  private queue: Promise<unknown>
  private readonly ready: Promise<unknown>

  constructor(private readonly deps: InboxDeps) {
    // The gap the conversation model reads, then a replay of anything a crash left unprocessed.
    this.ready = syncSessionGaps(deps.warehouse, deps.config.whatsapp.sessionGapSeconds).catch((error) =>
      deps.logger?.error({ err: error }, 'could not store the session gap settings'),
    )
    this.queue = this.ready.then(() => this.recover()).catch((error) => deps.logger?.error({ err: error }, 'webhook inbox replay failed'))
  }

  /** Stores the raw body durably and schedules its processing. Resolves once the body is stored. */
  async accept(source: WebhookSource, tenantId: string, body: string, receivedAt = new Date()): Promise<string> {
    const notificationId = createHash('sha256').update(body).digest('hex')
    const row: InboxRow = { tenant: tenantId, source, notification_id: notificationId, body, received_at: toClickHouseTime(receivedAt.getTime()) }
    await insertInboxRow(this.deps.warehouse, row)
    this.schedule(() => this.process(row))
    return notificationId
  }

  /** Resolves when everything accepted so far has been processed (tests, graceful shutdown). */
  async whenIdle(): Promise<void> {
    let seen: Promise<unknown> | undefined
    while (seen !== this.queue) {
      seen = this.queue
      await seen
    }
  }

  /** Processes stored notifications that have no processed record. Returns how many. */
  async recover(): Promise<number> {
    let total = 0
    for (;;) {
      const rows = await listUnprocessedInbox(this.deps.warehouse)
      for (const row of rows) await this.process(row).catch(() => undefined)
      total += rows.length
      if (rows.length < 1000) return total
    }
  }

  private schedule(job: () => Promise<unknown>) {
    this.queue = this.queue.then(job).catch((error) => this.deps.logger?.error({ err: error }, 'webhook processing failed; replayed at next start'))
  }

  /** Maps one stored notification and stores its events and facts; then records it as processed. */
  async process(row: InboxRow): Promise<ProcessResult> {
    await this.ready
    const { warehouse, intake, config } = this.deps
    let parsed: unknown
    let parseError: string | undefined
    // Twilio posts forms, the others JSON.
    if (row.source !== 'twilio') {
      try {
        parsed = JSON.parse(row.body)
      } catch (error) {
        parseError = `not JSON: ${(error as Error).message}`
      }
    }
    let items: BatchItem[] = []
    let statuses: object[] = []
    let unused: string[] = []
    if (row.source === 'twilio') {
      const mapped = mapTwilioWebhook(parseForm(row.body), { tenantId: row.tenant, hashKey: config.hashKey, receivedAt: receivedAtOf(row) })
      items = mapped.events.map((value) => ({ raw: JSON.stringify(value), value }))
      // A signed request Pulso cannot map is dead-lettered with its reason, never dropped.
      for (const problem of mapped.problems) items.push({ raw: row.body, parseError: problem })
      statuses = mapped.statuses
      unused = mapped.unused
    } else if (parseError) {
      // A signed body that is not JSON is dead-lettered with its reason, never dropped.
      items = [{ raw: row.body, parseError }]
    } else if (row.source === 'whatsapp') {
      const mapped = mapNotification(parsed, { tenantId: row.tenant, hashKey: config.hashKey, prices: config.whatsapp.prices })
      items = mapped.events.map((value) => ({ raw: JSON.stringify(value), value }))
      statuses = mapped.statuses
      unused = mapped.unused
    } else {
      const mapped = mapChatwootWebhook(parsed, row.tenant)
      items = mapped.events.map((value) => ({ raw: JSON.stringify(value), value }))
      unused = mapped.unused
    }
    await insertWhatsAppStatuses(warehouse, statuses)
    const result = items.length ? await intake.ingest(items, { source: row.source, tenantId: row.tenant }) : { accepted: 0, duplicates: 0, rejected: [] }
    await markInboxProcessed(warehouse, {
      tenant: row.tenant,
      source: row.source,
      notification_id: row.notification_id,
      accepted: result.accepted,
      duplicates: result.duplicates,
      rejected: result.rejected.length,
    })
    return { ...result, statuses: statuses.length, unused }
  }
}

/** When the inbox stored a row (ClickHouse's UTC 'YYYY-MM-DD HH:MM:SS.mmm'), as ISO 8601. */
function receivedAtOf(row: InboxRow): string {
  const stored = row.received_at ? Date.parse(`${row.received_at.replace(' ', 'T')}Z`) : Number.NaN
  return new Date(Number.isNaN(stored) ? Date.now() : stored).toISOString()
}

const inboxes = new WeakMap<Warehouse, WebhookInbox>()

/** The one inbox of a warehouse: the routes and the tests share it. */
export function webhookInbox(deps: InboxDeps): WebhookInbox {
  let inbox = inboxes.get(deps.warehouse)
  if (!inbox) {
    inbox = new WebhookInbox(deps)
    inboxes.set(deps.warehouse, inbox)
  }
  return inbox
}
