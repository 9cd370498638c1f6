// Invites: an admin names an email and a role; Pulso makes a one-time token, answered once in a
// link, and keeps only its SHA-256. Whoever opens the link before it expires sets a name and a
// password (a new person) or gives their own password (a person with an account elsewhere), gets
// the role, and is signed in. A used or expired invite is refused and says why.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { appendAudit } from '../../warehouse/repositories/audit-log.ts'
import { findInvite, type InviteRow, saveInvite } from '../../warehouse/repositories/invites.ts'
import { findPerson, findRole } from '../../warehouse/repositories/people.ts'
import { AccountError, type Accounts, type ChangedBy, MIN_PASSWORD_LENGTH, type SignedIn } from './accounts.ts'
import { verifyPassword } from './passwords.ts'
import { PERSON_ROLES, type PersonRole } from './roles.ts'

/** How long an invite link works. */
export const INVITE_HOURS = 72

export type Invite = { id: string; tenant: string; email: string; role: PersonRole; created_by: string; created_at: string; expires_at: string }

/** Why an invite cannot be accepted: unknown, already used, or expired. */
export class InviteRefused extends Error {
  override name = 'InviteRefused'
  constructor(
    readonly reason: 'not_found' | 'used' | 'expired',
    message: string,
  ) {
    super(message)
  }
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')
const clickhouseTime = (at: Date) => at.toISOString().replace('T', ' ').replace('Z', '')
const isoOf = (clickhouse: string) => `${clickhouse.replace(' ', 'T')}Z`
const shown = (row: InviteRow): Invite => ({
  id: row.invite_id,
  tenant: row.tenant,
  email: row.email,
  role: row.role as PersonRole,
  created_by: row.created_by,
  created_at: isoOf(row.created_at),
  expires_at: isoOf(row.expires_at),
})

const newInviteSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'is not an email address' })),
  role: z.enum(PERSON_ROLES, { error: `expected one of ${PERSON_ROLES.join(', ')}` }),
})

function firstIssue(error: z.ZodError): AccountError {
  const issue = error.issues[0]!
  return new AccountError(`${issue.path.join('.')}: ${issue.message}`)
}

/** Makes an invite; answers it with its token (shown only now). */
export async function createInvite(
  accounts: Accounts,
  input: { tenant: string; email: string; role: string },
  by: ChangedBy,
  now = new Date(),
): Promise<Invite & { token: string }> {
  const parsed = newInviteSchema.safeParse(input)
  if (!parsed.success) throw firstIssue(parsed.error)
  const { email, role } = parsed.data
  if (await findRole(accounts.warehouse, input.tenant, email))
    throw new AccountError(`${email} already has a role in tenant ${input.tenant}: change it instead`)
  const token = randomBytes(32).toString('base64url')
  const row: InviteRow = {
    token_hash: tokenHash(token),
    invite_id: randomUUID(),
    tenant: input.tenant,
    email,
    role,
    created_by: by.actor,
    created_at: clickhouseTime(now),
    expires_at: clickhouseTime(new Date(now.getTime() + INVITE_HOURS * 3_600_000)),
    accepted_at: null,
  }
  await saveInvite(accounts.warehouse, row)
  await appendAudit(accounts.warehouse, { tenant_id: input.tenant, ...by, action: 'create', object_kind: 'invite', object_id: `${email} (${role})` })
  accounts.logger?.info({ tenant: input.tenant, email, role, by: by.actor }, 'invite made')
  return { ...shown(row), token }
}

/** The invite a token stands for, while it can still be accepted; InviteRefused otherwise. */
export async function openInvite(accounts: Accounts, token: string, now = new Date()): Promise<Invite & { existingAccount: boolean }> {
  const row = await findInvite(accounts.warehouse, tokenHash(token))
  if (!row) throw new InviteRefused('not_found', 'this invite link is not known: check that it was copied whole, or ask an admin for a new one')
  if (row.accepted_at) throw new InviteRefused('used', 'this invite was already used: sign in, or ask an admin for a new one')
  if (new Date(isoOf(row.expires_at)) <= now) throw new InviteRefused('expired', `this invite expired at ${isoOf(row.expires_at)}: ask an admin for a new one`)
  return { ...shown(row), existingAccount: (await findPerson(accounts.warehouse, row.email)) !== undefined }
}

/**
 * Accepts the invite: a new person is created with this name and password; a person with an
 * account already gives their own password (the name is kept). Either way they get the invite's
 * role and are signed in to its tenant.
 */
export async function acceptInvite(
  accounts: Accounts,
  token: string,
  input: { name?: string; password: string; address: string },
  now = new Date(),
): Promise<SignedIn> {
  const invite = await openInvite(accounts, token, now)
  const by: ChangedBy = { actor_kind: 'person', actor: invite.email, address: input.address }
  const existing = await findPerson(accounts.warehouse, invite.email)
  if (existing) {
    if (!(await verifyPassword(input.password, existing.password_hash || undefined)))
      throw new AccountError(`${invite.email} already has an account: give its password to accept`)
  } else if (!input.name?.trim()) {
    throw new AccountError('name: is empty')
  } else if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new AccountError(`password: is shorter than ${MIN_PASSWORD_LENGTH} characters`)
  }
  const row = (await findInvite(accounts.warehouse, tokenHash(token)))!
  // marked used before the person is made, so a second click cannot make them twice
  await saveInvite(accounts.warehouse, { ...row, accepted_at: clickhouseTime(now) })
  await accounts.createPerson(
    { tenant: invite.tenant, email: invite.email, name: existing?.name ?? input.name ?? '', role: invite.role, password: input.password },
    by,
  )
  await appendAudit(accounts.warehouse, {
    tenant_id: invite.tenant,
    ...by,
    action: 'accept',
    object_kind: 'invite',
    object_id: `${invite.email} (${invite.role})`,
  })
  return accounts.signIn({ email: invite.email, password: input.password, tenant: invite.tenant, address: input.address }, now)
}
