// The dashboard's only way to data: the Pulso HTTP API, with a person's session or an API key. The answers'
// types are the server's own (definitions/api.ts).
import type {
  Catalog,
  ConversationDetail,
  ConversationPage,
  CostsResponse,
  GoalResponse,
  GoalsResponse,
  HandoffsResponse,
  HandoffTeamsResponse,
  KpiResponse,
  ProactiveResponse,
  RegressionsResponse,
  ScorecardResponse,
  SessionResponse,
  SlaResponse,
  SqlJsonResult,
  TenantResponse,
  WeeklyReview,
} from '../../../definitions/api.ts'
import type { CostSplit } from '../../../definitions/costs.ts'
import type { InviteCreated, InviteInfo, KeyCreated, KeysResponse, PeopleResponse, PersonEntry } from '../../../definitions/people.ts'
import type { Segment } from './kpis.ts'

export type * from '../../../definitions/api.ts'
export type * from '../../../definitions/people.ts'

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export type Query = Record<string, string | number | undefined>

export function queryString(query: Query): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v))
  return params.toString()
}

/**
 * How requests prove who sends them: a person's session (the browser sends its cookie; writes add
 * the session's CSRF token) or an API key (machines, tests).
 */
export type Credentials = { key: string } | { csrfToken: string }

const credentialHeaders = (credentials: Credentials, method: string): Record<string, string> => {
  if ('key' in credentials) return { authorization: `Bearer ${credentials.key}` }
  return method === 'GET' ? {} : { 'x-pulso-csrf': credentials.csrfToken }
}

/** Sends the request and answers its JSON (or text) body; a failed one throws ApiFailure. */
async function send<T>(fetcher: typeof fetch, path: string, init: RequestInit): Promise<T> {
  const response = await fetcher(path, { credentials: 'same-origin', ...init })
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

/** People's sessions: sign in (the server sets the cookie), who is signed in, sign out. */
export const sessions = {
  signIn: (email: string, password: string, fetcher: typeof fetch = fetch.bind(globalThis)) =>
    send<SessionResponse>(fetcher, '/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    }),
  current: (fetcher: typeof fetch = fetch.bind(globalThis)) => send<SessionResponse>(fetcher, '/v1/session', {}),
  signOut: (csrfToken: string, fetcher: typeof fetch = fetch.bind(globalThis)) =>
    send<null>(fetcher, '/v1/session', { method: 'DELETE', headers: { 'x-pulso-csrf': csrfToken } }),
}

/** An invite link's token: what it offers, and accepting it (the server sets the session cookie). */
export const invites = {
  info: (token: string, fetcher: typeof fetch = fetch.bind(globalThis)) => send<InviteInfo>(fetcher, `/v1/invites/${encodeURIComponent(token)}`, {}),
  accept: (token: string, body: { name?: string; password: string }, fetcher: typeof fetch = fetch.bind(globalThis)) =>
    send<SessionResponse>(fetcher, `/v1/invites/${encodeURIComponent(token)}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
}

export function createApi(credentials: Credentials, fetcher: typeof fetch = fetch.bind(globalThis)) {
  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const method = init.method ?? 'GET'
    return send<T>(fetcher, path, { ...init, headers: { ...credentialHeaders(credentials, method), ...(init.headers ?? {}) } })
  }

  return {
    tenant: () => request<TenantResponse>('/v1/tenant'),
    kpis: (q: { from: string; to: string; grain: string; by?: Segment }) => request<KpiResponse>(`/v1/kpis?${queryString(q)}`),
    conversations: (q: Query) => request<ConversationPage>(`/v1/conversations?${queryString(q)}`),
    conversation: (id: string) => request<ConversationDetail>(`/v1/conversations/${encodeURIComponent(id)}`),
    costs: (q: { from: string; to: string; grain: string; by: CostSplit }) => request<CostsResponse>(`/v1/costs?${queryString(q)}`),
    proactive: (q: { from: string; to: string }) => request<ProactiveResponse>(`/v1/proactive?${queryString(q)}`),
    handoffs: (q: Query) => request<HandoffsResponse>(`/v1/handoffs?${queryString(q)}`),
    handoffTeams: (by: 'agent' | 'queue', q: { from: string; to: string }) =>
      request<HandoffTeamsResponse>(`/v1/handoffs/${by === 'agent' ? 'agents' : 'queues'}?${queryString(q)}`),
    sla: (q: { from: string; to: string; grain: string }) => request<SlaResponse>(`/v1/handoffs/sla?${queryString({ ...q, limit: 0 })}`),
    goals: () => request<GoalsResponse>('/v1/goals'),
    createGoal: (goal: { id: string; kpi: string; target: number; period: string }) =>
      request<GoalResponse>('/v1/goals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(goal) }),
    regressions: (q: Query) => request<RegressionsResponse>(`/v1/regressions?${queryString(q)}`),
    useCaseScorecard: (q: { from: string; to: string }) => request<ScorecardResponse>(`/v1/use-cases/scorecard?${queryString(q)}`),
    review: (week: string) => request<WeeklyReview>(`/v1/review?${queryString({ week })}`),
    reviewCsv: (week: string) => request<string>(`/v1/review?${queryString({ week, format: 'csv' })}`),
    models: () => request<Catalog>('/v1/models'),
    sql: (sql: string) =>
      request<SqlJsonResult>('/v1/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, format: 'json' }) }),
    people: () => request<PeopleResponse>('/v1/people'),
    changeRole: (email: string, role: string) =>
      request<PersonEntry>(`/v1/people/${encodeURIComponent(email)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role }),
      }),
    removePerson: (email: string) => request<null>(`/v1/people/${encodeURIComponent(email)}`, { method: 'DELETE' }),
    invite: (email: string, role: string) =>
      request<InviteCreated>('/v1/invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, role }) }),
    keys: () => request<KeysResponse>('/v1/keys'),
    createKey: (name: string, scope: string) =>
      request<KeyCreated>('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, scope }) }),
    revokeKey: (id: string) => request<null>(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    sqlCsv: (sql: string) =>
      request<string>('/v1/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, format: 'csv' }) }),
  }
}

export type Api = ReturnType<typeof createApi>
