// The Twilio section of Pulso's configuration: per-tenant auth tokens that check X-Twilio-Signature,
// and the public URL Twilio calls (behind a proxy the server sees another). Parsed once, by loadConfig.
import { z } from 'zod'

export type TwilioTenant = {
  /** The Twilio account's auth token: the key of X-Twilio-Signature. */
  authToken: string
  /** When set, a request of any other account (AccountSid) is refused. */
  accountSid?: string
  /**
   * The URL Twilio signs when another service receives Twilio's request and forwards it to Pulso
   * unchanged (a bot that holds the number's incoming-message webhook). Requests signed for Pulso's
   * own URL are accepted too.
   */
  forwardedFrom?: string
}

export type TwilioConfig = {
  /**
   * Scheme, host and any path prefix under which Twilio reaches Pulso, e.g. https://pulso.example.com.
   * Twilio signs the URL it called; behind a proxy or load balancer Pulso sees another one, so the
   * signature is checked against this base plus the request's path and query. Unset: the URL Pulso sees.
   */
  publicUrl?: string
  tenants: Map<string, TwilioTenant>
}

const TENANT_ID = /^[a-z0-9_-]{1,64}$/

const httpUrl = z
  .string()
  .url('expected an absolute URL such as https://pulso.example.com')
  .refine((value) => /^https?:\/\//.test(value), 'expected an http or https URL')

const twilioSectionSchema = z
  .object({
    public_url: httpUrl.optional(),
    tenants: z
      .record(
        z.string(),
        z
          .object({
            auth_token: z.string().min(1, 'must not be empty'),
            account_sid: z
              .string()
              .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: AC followed by 32 hex digits')
              .optional(),
            forwarded_from: httpUrl.optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict()
  .default({ tenants: {} })

type Fail = (message: string) => never

/** Parses `tenant:auth_token,…` (PULSO_TWILIO_TENANTS). */
export function parseTwilioTenants(value: string | undefined, fail: Fail): Map<string, TwilioTenant> {
  const tenants = new Map<string, TwilioTenant>()
  if (!value?.trim()) return tenants
  value.split(',').forEach((entry, i) => {
    const [tenant, ...rest] = entry.trim().split(':')
    const authToken = rest.join(':')
    if (!tenant || !TENANT_ID.test(tenant) || !authToken) {
      fail(`PULSO_TWILIO_TENANTS entry ${i + 1} ('${tenant ?? ''}:…'): expected tenant:auth_token with a tenant id of [a-z0-9_-] and a non-empty auth token`)
    }
    tenants.set(tenant!, { authToken })
  })
  return tenants
}

export function loadTwilioConfig(file: Record<string, unknown>, env: Record<string, string | undefined>, fail: Fail): TwilioConfig {
  const parsed = twilioSectionSchema.safeParse(file.twilio ?? undefined)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    fail(`config file: twilio.${issue?.path.join('.')}: ${issue?.message}`)
  }
  const section = parsed.data!
  const tenants = new Map<string, TwilioTenant>()
  for (const [id, t] of Object.entries(section.tenants)) {
    if (!TENANT_ID.test(id)) fail(`config file: twilio.tenants.${id}: tenant ids are 1–64 characters of [a-z0-9_-]`)
    tenants.set(id, {
      authToken: t.auth_token,
      ...(t.account_sid ? { accountSid: t.account_sid } : {}),
      ...(t.forwarded_from ? { forwardedFrom: t.forwarded_from } : {}),
    })
  }
  // The environment wins over the file for the token (a deployment rotates it without editing the
  // file); the file's account and forwarding URL stay.
  for (const [id, t] of parseTwilioTenants(env.PULSO_TWILIO_TENANTS, fail)) tenants.set(id, { ...tenants.get(id), ...t })
  let publicUrl = section.public_url
  const envUrl = env.PULSO_TWILIO_PUBLIC_URL
  if (envUrl !== undefined && envUrl !== '') {
    const checked = httpUrl.safeParse(envUrl)
    if (!checked.success) fail(`PULSO_TWILIO_PUBLIC_URL must be an http or https URL such as https://pulso.example.com, got '${envUrl}'`)
    publicUrl = envUrl
  }
  return { ...(publicUrl ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}), tenants }
}
