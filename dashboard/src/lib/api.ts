// The dashboard's only way to data: the Pulso HTTP API with the session's read key.
import type { KpiField, Segment } from './kpis.ts'

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** An endpoint another part of Pulso adds; until then the server answers 404. */
export type Optional<T> = { available: true; data: T } | { available: false }

export type Tenant = { id: string; name: string; timezone: string; currency: string; role: string }

export type KpiRow = { period: string } & Partial<Record<Segment, string | null>> & Record<KpiField, number | null>
export type KpiResponse = { tenant_id: string; timezone: string; currency: string; grain: string; by: Segment | null; from: string; to: string; rows: KpiRow[] }

export type ConversationSummary = {
  conversation_id: string
  customer_id: string | null
  channel: string
  use_case: string | null
  intent: string | null
  bot_version: string | null
  started_at: string
  started_on: string
  frt_s: number | null
  escalated: boolean
  handoff_reason: string | null
  handoff_wait_s: number | null
  handoffs: number
  handoffs_with_context: number
  resolved_by: string | null
  bot_resolved: boolean
  first_contact_resolved: boolean | null
  csat: number | null
  messages: number
  fallbacks: number
  cost: number
  currency: string
}
export type ConversationPage = { total: number; limit: number; offset: number; rows: ConversationSummary[] }
export type TimelineEvent = { event_id: string; type: string; occurred_at: string; received_at: string; fields: Record<string, string | number | boolean> }
export type ConversationDetail = { conversation: ConversationSummary; events: TimelineEvent[] }

export type HandoffBreakdown = {
  reasons: { reason: string; handoffs: number; with_context: number; conversations: number }[]
  wait: { bucket: string; min_s: number; max_s: number | null; conversations: number }[]
}

/** GET /v1/review: the weekly review the operating loop builds. */
export type WeeklyReview = {
  week: string
  from: string
  to: string
  previous_week: string
  currency: string
  conversations: number
  unanswered_questions: {
    total_fallbacks: number
    groups: { question: string; fallbacks: number; conversations: number; variants: string[]; examples: string[]; use_cases: string[] }[]
  }
  escalation_reasons: { reason: string; conversations: number; share: number }[]
  worst_csat_intents: { intent: string; conversations: number; csat_responses: number; csat_score: number | null; csat_avg: number | null }[]
  kpi_deltas: { kpi: string; current: number | null; previous: number | null; delta: number | null; relative: number | null; trend: number[] | null }[]
  goals: unknown[]
  use_cases?: { use_case: string; policy: string | null; conversations: number; share: number; bot_resolution_rate: number | null; escalation_rate: number | null; csat_score: number | null; cost_per_conversation: number | null }[]
}

/** ClickHouse's JSON output format, as POST /v1/sql returns it. */
export type SqlResult = { meta: { name: string; type: string }[]; data: Record<string, unknown>[]; rows: number; statistics?: { elapsed: number; rows_read: number; bytes_read: number } }

export type CatalogModel = {
  name: string
  layer: string
  materialized: string
  description: string
  origin: string
  columns: { name: string; type: string | null; description: string; tests: string[] }[]
  tests: { kind: string; name: string; column: string | null; description: string }[]
  depends_on: { models: string[]; sources: string[] }
  referenced_by: string[]
  queryable: boolean
}
export type Catalog = { database: string; models: CatalogModel[]; /** `table` is how models name a source in depends_on.sources */
  sources: { name: string; table: string; description: string; referenced_by: string[] }[] }

export type Query = Record<string, string | number | undefined>

export function queryString(query: Query): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v))
  return params.toString()
}

export function createApi(key: string, fetcher: typeof fetch = fetch.bind(globalThis)) {
  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetcher(path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } })
    const text = await response.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      // not JSON: keep the text (CSV, plain errors)
    }
    if (!response.ok) {
      const b = (body ?? {}) as { error?: string; message?: string }
      throw new ApiFailure(response.status, b.error ?? String(response.status), b.message ?? (typeof body === 'string' && body ? body : response.statusText))
    }
    return body as T
  }

  /** A 404 means the endpoint has not been built into this server yet. */
  async function optional<T>(path: string, init?: RequestInit): Promise<Optional<T>> {
    try {
      return { available: true, data: await request<T>(path, init) }
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) return { available: false }
      throw error
    }
  }

  return {
    tenant: () => request<Tenant>('/v1/tenant'),
    kpis: (q: { from: string; to: string; grain: string; by?: Segment }) => request<KpiResponse>(`/v1/kpis?${queryString(q)}`),
    conversations: (q: Query) => request<ConversationPage>(`/v1/conversations?${queryString(q)}`),
    conversation: (id: string) => request<ConversationDetail>(`/v1/conversations/${encodeURIComponent(id)}`),
    handoffs: (q: Query) => request<HandoffBreakdown>(`/v1/handoffs?${queryString(q)}`),
    goals: () => optional<unknown>('/v1/goals'),
    regressions: (q: Query) => optional<unknown>(`/v1/regressions?${queryString(q)}`),
    review: (week: string) => optional<WeeklyReview>(`/v1/review?${queryString({ week })}`),
    reviewCsv: (week: string) => request<string>(`/v1/review?${queryString({ week, format: 'csv' })}`),
    models: () => optional<Catalog>('/v1/models'),
    sql: (sql: string) => optional<SqlResult>('/v1/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, format: 'json' }) }),
    sqlCsv: (sql: string) => request<string>('/v1/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, format: 'csv' }) }),
  }
}

export type Api = ReturnType<typeof createApi>
