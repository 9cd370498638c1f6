// The answers of the people and invite routes (api/routes/people.ts, api/routes/invites.ts), shared
// with the dashboard.

export type PersonRole = 'viewer' | 'editor' | 'admin'

export type PersonEntry = { email: string; name: string; role: PersonRole }
export type PeopleResponse = { tenant_id: string; people: PersonEntry[] }

/** An invite as answered when it is made: the token and the link only this once. */
export type InviteCreated = { id: string; email: string; role: PersonRole; expires_at: string; token: string; link: string }

/** What an invite link offers, asked before accepting it. */
export type InviteInfo = { tenant: string; email: string; role: PersonRole; expires_at: string; existing_account: boolean }

/** GET /v1/keys: an admin-made key as listed, never its secret. */
export type KeyEntry = { id: string; name: string; scope: 'ingest' | 'read'; created_by: string; created_at: string }
export type KeysResponse = { keys: KeyEntry[] }
/** POST /v1/keys: the key with its secret, answered only this once. */
export type KeyCreated = KeyEntry & { key: string }
