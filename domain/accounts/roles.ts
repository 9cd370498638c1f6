// What a caller may do, whoever it is: a machine with an API key, or a person signed in. Routes
// ask for an access; keys' roles and people's roles each grant a set of them.
import type { Role as KeyRole } from '../../config/config.ts'

/** ingest: send events; read: every GET; edit: goals and use cases; manage: people and API keys. */
export type Access = 'ingest' | 'read' | 'edit' | 'manage'

export const PERSON_ROLES = ['viewer', 'editor', 'admin'] as const
export type PersonRole = (typeof PERSON_ROLES)[number]

const PERSON_ACCESS: Record<PersonRole, readonly Access[]> = {
  viewer: ['read'],
  editor: ['read', 'edit'],
  admin: ['ingest', 'read', 'edit', 'manage'],
}

const KEY_ACCESS: Record<KeyRole, readonly Access[]> = {
  ingest: ['ingest'],
  read: ['read'],
  admin: ['ingest', 'read', 'edit', 'manage'],
}

/** Who is calling: a key (its name, or a prefix-free label for configured keys) or a person (email). */
export type Caller = {
  tenant: string
  kind: 'key' | 'person'
  role: KeyRole | PersonRole
  /** Whom the audit log names: the person's email, or the key's name. */
  actor: string
}

export function accessOf(caller: Caller): readonly Access[] {
  return caller.kind === 'person' ? PERSON_ACCESS[caller.role as PersonRole] : KEY_ACCESS[caller.role as KeyRole]
}

/** The roles that grant `access`, for the message of a 403. */
export function rolesGranting(access: Access): { keys: string[]; people: string[] } {
  return {
    keys: Object.entries(KEY_ACCESS)
      .filter(([, granted]) => granted.includes(access))
      .map(([role]) => role),
    people: Object.entries(PERSON_ACCESS)
      .filter(([, granted]) => granted.includes(access))
      .map(([role]) => role),
  }
}
