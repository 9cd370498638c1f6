// The read key for this browser session (sessionStorage: gone when the tab closes), the
// tenant it belongs to, and the API client built from it.
import { type Api, createApi, type TenantResponse } from './api.ts'
import { usePreset } from './app-state.svelte.ts'
import { tenantFormat } from './format.svelte.ts'

const STORAGE_KEY = 'pulso.readKey'

export const session = $state<{ key: string | null; tenant: TenantResponse | null; api: Api | null }>({ key: null, tenant: null, api: null })

/** Checks the key against the API; on success keeps it for the session. Throws ApiFailure otherwise. */
export async function signIn(key: string): Promise<void> {
  const api = createApi(key)
  const tenant = await api.tenant()
  sessionStorage.setItem(STORAGE_KEY, key)
  tenantFormat.currency = tenant.currency
  tenantFormat.timezone = tenant.timezone
  // a session starts on the tenant's last 30 days, cut in its own time zone
  usePreset(30, tenant.timezone)
  session.key = key
  session.tenant = tenant
  session.api = api
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY)
  session.key = null
  session.tenant = null
  session.api = null
}

/** The key kept from earlier in this session, if any. */
export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY)
}
