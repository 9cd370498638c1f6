// Who uses the dashboard and the API client built for them: a person signed in with email and
// password (the server keeps the session in an httpOnly cookie; the page keeps only the CSRF token
// its writes send), or a machine's read key (kept in sessionStorage: gone when the tab closes).
import { type Api, createApi, invites, type SessionResponse, sessions, type TenantResponse } from './api.ts'
import { usePreset } from './app-state.svelte.ts'
import { tenantFormat } from './format.svelte.ts'

const STORAGE_KEY = 'pulso.readKey'

export const session = $state<{ key: string | null; person: SessionResponse | null; tenant: TenantResponse | null; api: Api | null }>({
  key: null,
  person: null,
  tenant: null,
  api: null,
})

async function open(api: Api): Promise<TenantResponse> {
  const tenant = await api.tenant()
  tenantFormat.currency = tenant.currency
  tenantFormat.timezone = tenant.timezone
  // a session starts on the tenant's last 30 days, cut in its own time zone
  usePreset(30, tenant.timezone)
  return tenant
}

/** Signs a person in by email and password. Throws ApiFailure (sign_in_failed, sign_in_locked…) otherwise. */
export async function signInAsPerson(email: string, password: string): Promise<void> {
  const person = await sessions.signIn(email, password)
  await usePerson(person)
}

/** Accepts an invite link's token (a new person's name and password, or an existing one's password) and is signed in by it. */
export async function acceptInvite(token: string, body: { name?: string; password: string }): Promise<void> {
  const person = await invites.accept(token, body)
  sessionStorage.removeItem(STORAGE_KEY)
  await usePerson(person)
}

async function usePerson(person: SessionResponse): Promise<void> {
  const api = createApi({ csrfToken: person.csrf_token })
  const tenant = await open(api)
  Object.assign(session, { key: null, person, tenant, api })
}

/** Checks a read key against the API; on success keeps it for the browser session. Throws ApiFailure otherwise. */
export async function signInWithKey(key: string): Promise<void> {
  const api = createApi({ key })
  const tenant = await open(api)
  sessionStorage.setItem(STORAGE_KEY, key)
  Object.assign(session, { key, person: null, tenant, api })
}

/** Picks up where this browser left off: the key of this tab's session, else the person's cookie session. Answers whether it did. */
export async function resume(): Promise<boolean> {
  const key = sessionStorage.getItem(STORAGE_KEY)
  if (key) {
    await signInWithKey(key)
    return true
  }
  const person = await sessions.current().catch(() => null)
  if (!person) return false
  await usePerson(person)
  return true
}

export async function signOut(): Promise<void> {
  // the server ends the session and clears the cookie first (an already ended one is fine), so
  // the sign-in page shows only once the old cookie no longer counts
  if (session.person) await sessions.signOut(session.person.csrf_token).catch(() => undefined)
  sessionStorage.removeItem(STORAGE_KEY)
  Object.assign(session, { key: null, person: null, tenant: null, api: null })
}
