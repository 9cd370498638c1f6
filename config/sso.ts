// The single sign-on section of Pulso's configuration: per tenant, the OpenID Connect provider its
// people sign in with (issuer, client id and secret), which email domains it accepts and the role a
// person gets at their first sign-in. Parsed once, by loadConfig.
import { z } from 'zod'

/** People's roles (domain/accounts/roles.ts owns them; config may not import the domain). */
const PERSON_ROLES = ['viewer', 'editor', 'admin'] as const
type PersonRole = (typeof PERSON_ROLES)[number]

export type SsoTenant = {
  /** The provider's issuer URL; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: URL
  clientId: string
  clientSecret: string
  /** Email domains (after the @) whose people may sign in; a verified email of another is refused. */
  allowedDomains: string[]
  /** The role of a person at their first sign-in (a person who already has one keeps it). */
  defaultRole: PersonRole
  /** Shown on the dashboard's button: "Sign in with <label>". */
  label: string
}

export type SsoConfig = {
  /**
   * Scheme, host and any path prefix under which browsers reach Pulso, e.g. https://pulso.example.com:
   * the redirect URI registered with the provider is this plus /v1/sso/<tenant>/callback. Unset:
   * the origin of the request that starts the sign-in.
   */
  publicUrl?: string
  tenants: Map<string, SsoTenant>
}

const TENANT_ID = /^[a-z0-9_-]{1,64}$/
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

const issuerSchema = z
  .string()
  .url('expected the provider issuer URL, such as https://accounts.google.com')
  .transform((value) => new URL(value))
  // Tokens and keys travel over this connection: plain HTTP only to a provider on this machine (tests, development).
  .refine((url) => url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)), 'must be https (http only for localhost)')

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected an email domain such as acme.com')

const ssoSectionSchema = z
  .object({
    public_url: z
      .string()
      .url('expected an absolute URL such as https://pulso.example.com')
      .refine((value) => /^https?:\/\//.test(value), 'expected an http or https URL')
      .optional(),
    tenants: z
      .record(
        z.string().regex(TENANT_ID, 'tenant ids are 1–64 characters of [a-z0-9_-]'),
        z
          .object({
            issuer: issuerSchema,
            client_id: z.string().min(1, 'must not be empty'),
            client_secret: z.string().min(1, 'must not be empty').optional(),
            allowed_domains: z.array(domainSchema).min(1, 'name at least one email domain'),
            default_role: z.enum(PERSON_ROLES, { error: `expected one of ${PERSON_ROLES.join(', ')}` }).default('viewer'),
            label: z.string().min(1).max(60).optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict()
  .default({ tenants: {} })

type Fail = (message: string) => never

/** The environment variable that holds a tenant's client secret: PULSO_SSO_<TENANT>_CLIENT_SECRET. */
export const clientSecretVariable = (tenant: string) => `PULSO_SSO_${tenant.toUpperCase().replace(/-/g, '_')}_CLIENT_SECRET`

export function loadSsoConfig(file: Record<string, unknown>, env: Record<string, string | undefined>, fail: Fail): SsoConfig {
  const parsed = ssoSectionSchema.safeParse(file.sso ?? undefined)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    fail(`config file: sso.${issue?.path.join('.')}: ${issue?.message}`)
  }
  const section = parsed.data!
  const tenants = new Map<string, SsoTenant>()
  for (const [tenant, settings] of Object.entries(section.tenants)) {
    // the secret is better kept out of the file: the environment's wins
    const clientSecret = env[clientSecretVariable(tenant)] || settings.client_secret
    if (!clientSecret) fail(`config file: sso.tenants.${tenant}: no client secret: set client_secret or ${clientSecretVariable(tenant)}`)
    tenants.set(tenant, {
      issuer: settings.issuer,
      clientId: settings.client_id,
      clientSecret: clientSecret!,
      allowedDomains: settings.allowed_domains,
      defaultRole: settings.default_role,
      label: settings.label ?? settings.issuer.hostname,
    })
  }
  return { publicUrl: section.public_url?.replace(/\/+$/, ''), tenants }
}
