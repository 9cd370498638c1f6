// People's accounts and sessions: creating a person with a role in a tenant, signing in with an
// email and a password (slowed, then locked, after repeated failures), the caller a session stands
// for, signing out. The HTTP side (cookies, CSRF, addresses) is api/routes/session.ts's job.
import { createHash, randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { AccountSettings } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type AuditEntry, appendAudit } from '../../warehouse/repositories/audit-log.ts'
import { findPerson, findRole, rolesOf, savePerson, saveRole, wasRemoved } from '../../warehouse/repositories/people.ts'
import { endSession, findLiveSession, saveSession } from '../../warehouse/repositories/sessions.ts'
import { hashPassword, verifyPassword } from './passwords.ts'
import { type Caller, PERSON_ROLES, type PersonRole } from './roles.ts'
import { SignInThrottle } from './sign-in-throttle.ts'

/** Bad input to an account operation, with the reason. */
export class AccountError extends Error {
  override name = 'AccountError'
}

/** The one answer to a wrong password, an unknown email or a person without a role there. */
export class SignInRefused extends Error {
  override name = 'SignInRefused'
  constructor() {
    super('wrong email or password')
  }
}

/** Too many failed sign-ins of this account or from this address. */
export class SignInLocked extends Error {
  override name = 'SignInLocked'
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`)
  }
}

/** An admin removed the person from the tenant: single sign-on does not bring them back, an invite does. */
export class RemovedFromTenant extends Error {
  override name = 'RemovedFromTenant'
  constructor(email: string, tenant: string) {
    super(`${email} was removed from ${tenant} by an admin: ask an admin of ${tenant} for an invite`)
  }
}

/** The person has roles in several tenants and did not say which one. */
export class TenantChoiceNeeded extends Error {
  override name = 'TenantChoiceNeeded'
  constructor(readonly tenants: string[]) {
    super(`this account has a role in several tenants (${tenants.join(', ')}): send tenant`)
  }
}

export const MIN_PASSWORD_LENGTH = 12

const newPersonSchema = z.object({
  tenant: z.string().min(1, 'is empty'),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'is not an email address' })),
  name: z.string().trim().min(1, 'is empty').max(200, 'is longer than 200 characters'),
  role: z.enum(PERSON_ROLES, { error: `expected one of ${PERSON_ROLES.join(', ')}` }),
  password: z.string().min(MIN_PASSWORD_LENGTH, `is shorter than ${MIN_PASSWORD_LENGTH} characters`).max(1024, 'is longer than 1024 characters'),
})
export type NewPerson = z.input<typeof newPersonSchema>

/** Who made a change, for the audit log. */
export type ChangedBy = Pick<AuditEntry, 'actor_kind' | 'actor' | 'address'>

export type SignedIn = { sessionId: string; csrfToken: string; caller: Caller; name: string; expiresAt: Date }

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

/** SHA-256 of a session id: what the sessions table keeps. */
const sessionHash = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex')

/**
 * The token a signed-in page sends in X-Pulso-CSRF with every write: derived from the session id,
 * so it needs no storage, and it reveals nothing of the id. Another site can make the browser send
 * the cookie but cannot read this token.
 */
export const csrfTokenOf = (sessionId: string) => createHash('sha256').update(`csrf\0${sessionId}`).digest('base64url')

export class Accounts {
  readonly throttle: SignInThrottle

  constructor(
    readonly warehouse: Warehouse,
    readonly settings: AccountSettings,
    readonly logger?: Logger,
    /** Waits before answering a failed sign-in; tests of the lock need not wait. */
    readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.throttle = new SignInThrottle({
      slowAfter: settings.slowAfter,
      lockAfter: settings.lockAfter,
      addressLockAfter: settings.addressLockAfter,
      lockMs: settings.lockMinutes * 60_000,
      stepDelayMs: 1_000,
      maxDelayMs: 5_000,
    })
  }

  /**
   * Creates the person with a role in the tenant; a person who already has an account elsewhere
   * gets the role and keeps their password. Answers whether the person was new.
   */
  async createPerson(input: NewPerson, by: ChangedBy = { actor_kind: 'cli', actor: 'pulso', address: 'cli' }): Promise<{ created: boolean }> {
    const parsed = newPersonSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new AccountError(`${issue.path.join('.')}: ${issue.message}`)
    }
    const person = parsed.data
    const existing = await findPerson(this.warehouse, person.email)
    if (existing && (await findRole(this.warehouse, person.tenant, person.email)))
      throw new AccountError(`${person.email} already has a role in tenant ${person.tenant}`)
    if (!existing) await savePerson(this.warehouse, { email: person.email, name: person.name, password_hash: await hashPassword(person.password) })
    await saveRole(this.warehouse, person.tenant, person.email, person.role)
    await appendAudit(this.warehouse, { tenant_id: person.tenant, ...by, action: 'create', object_kind: 'person', object_id: person.email })
    this.logger?.info({ tenant: person.tenant, email: person.email, role: person.role, new_person: !existing }, 'person given a role')
    return { created: !existing }
  }

  /** The person's role in the tenant, if they have one. */
  async roleIn(tenant: string, email: string): Promise<PersonRole | undefined> {
    return (await findRole(this.warehouse, tenant, normalizeEmail(email))) as PersonRole | undefined
  }

  /** Checks the password and opens a session. Throws SignInRefused, SignInLocked or TenantChoiceNeeded. */
  async signIn(input: { email: string; password: string; tenant?: string; address: string }, now = new Date()): Promise<SignedIn> {
    const email = normalizeEmail(input.email)
    const verdict = this.throttle.check(email, input.address, now.getTime())
    if (verdict.locked) {
      this.logger?.warn({ email, address: input.address }, 'sign-in refused: locked after repeated failures')
      throw new SignInLocked(Math.ceil(verdict.retryAfterMs / 1000))
    }
    const person = await findPerson(this.warehouse, email)
    const passwordRight = await verifyPassword(input.password, person?.password_hash || undefined)
    const roles = passwordRight ? await rolesOf(this.warehouse, email) : []
    const candidates = input.tenant ? roles.filter((r) => r.tenant === input.tenant) : roles
    if (!person || candidates.length === 0) {
      const delayMs = this.throttle.recordFailure(email, input.address, now.getTime())
      this.logger?.info({ email, address: input.address }, 'sign-in refused')
      await this.sleep(delayMs)
      throw new SignInRefused()
    }
    if (candidates.length > 1) throw new TenantChoiceNeeded(candidates.map((r) => r.tenant))
    this.throttle.recordSuccess(email)
    const { tenant, role } = candidates[0]!
    return this.openSession({ tenant, email, role: role as PersonRole, name: person.name, address: input.address }, now)
  }

  /**
   * Signs in a person whose email an identity provider vouched for (single sign-on): a person
   * already known keeps their name, password and role; one new to the tenant gets `defaultRole`
   * (and, new to Pulso, an account without a password), which the audit log records. One an admin
   * removed from the tenant is refused (RemovedFromTenant): removal holds until a new invite.
   */
  async signInVouchedFor(
    input: { tenant: string; email: string; name: string; defaultRole: PersonRole; address: string; provider: string },
    now = new Date(),
  ): Promise<SignedIn & { created: boolean }> {
    const email = normalizeEmail(input.email)
    const person = await findPerson(this.warehouse, email)
    let role = (await findRole(this.warehouse, input.tenant, email)) as PersonRole | undefined
    if (!role && (await wasRemoved(this.warehouse, input.tenant, email))) {
      this.logger?.info({ tenant: input.tenant, email, address: input.address }, 'single sign-on refused: removed from the tenant')
      throw new RemovedFromTenant(email, input.tenant)
    }
    const created = !role
    if (!person) await savePerson(this.warehouse, { email, name: input.name.trim().slice(0, 200) || email, password_hash: '' })
    if (!role) {
      role = input.defaultRole
      await saveRole(this.warehouse, input.tenant, email, role)
      await appendAudit(this.warehouse, {
        tenant_id: input.tenant,
        actor_kind: 'person',
        actor: email,
        action: 'create',
        object_kind: 'person',
        object_id: email,
        address: input.address,
      })
      this.logger?.info({ tenant: input.tenant, email, role, new_person: !person, provider: input.provider }, 'person given a role at single sign-on')
    }
    const signedIn = await this.openSession({ tenant: input.tenant, email, role, name: person?.name ?? input.name, address: input.address }, now)
    return { ...signedIn, created }
  }

  private async openSession(who: { tenant: string; email: string; role: PersonRole; name: string; address: string }, now: Date): Promise<SignedIn> {
    const { tenant, email, role, address } = who
    const sessionId = randomBytes(32).toString('base64url')
    const expiresAt = new Date(now.getTime() + this.settings.sessionHours * 3_600_000)
    await saveSession(this.warehouse, { hash: sessionHash(sessionId), tenant, email, address, createdAt: now, expiresAt })
    this.logger?.info({ email, tenant, address }, 'signed in')
    return { sessionId, csrfToken: csrfTokenOf(sessionId), caller: { tenant, kind: 'person', role, actor: email }, name: who.name, expiresAt }
  }

  /** Who a session id stands for, while the session lasts and the person keeps a role in its tenant. */
  async callerOfSession(sessionId: string, now = new Date()): Promise<(Caller & { name: string; expiresAt: Date }) | undefined> {
    const session = await findLiveSession(this.warehouse, sessionHash(sessionId), now)
    if (!session) return undefined
    const [person, role] = await Promise.all([findPerson(this.warehouse, session.email), findRole(this.warehouse, session.tenant, session.email)])
    if (!person || !role) return undefined
    return {
      tenant: session.tenant,
      kind: 'person',
      role: role as PersonRole,
      actor: session.email,
      name: person.name,
      expiresAt: new Date(`${session.expires_at.replace(' ', 'T')}Z`),
    }
  }

  /** Ends the session (sign-out); an unknown or ended one is left as it is. */
  async signOut(sessionId: string, now = new Date()): Promise<void> {
    const session = await findLiveSession(this.warehouse, sessionHash(sessionId), now)
    if (!session) return
    await endSession(this.warehouse, session)
    this.logger?.info({ email: session.email, tenant: session.tenant }, 'signed out')
  }
}
