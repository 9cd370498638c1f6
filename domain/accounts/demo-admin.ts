// The demo tenant's admin, so `npm start` gives a person to sign in as beside the demo keys. Its
// password is as public as the demo keys: the demo is for trying Pulso, never for real data
// (PULSO_DEMO=0 turns both off).
import type { Accounts } from './accounts.ts'

export const DEMO_ADMIN = { email: 'admin@demo.pulso.test', name: 'Demo Admin', password: 'demo-admin-password' } as const

/** Creates the demo admin unless it exists already (a second start leaves it as it is). Answers whether it was made. */
export async function ensureDemoAdmin(accounts: Accounts, tenant: string): Promise<boolean> {
  if (await accounts.roleIn(tenant, DEMO_ADMIN.email)) return false
  await accounts.createPerson({ tenant, role: 'admin', ...DEMO_ADMIN }, { actor_kind: 'cli', actor: 'pulso start (demo)', address: 'cli' })
  return true
}
