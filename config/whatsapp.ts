// The WhatsApp and Chatwoot sections of Pulso's configuration: per-tenant webhook secrets, the
// inactivity gap that splits a customer's thread into conversations, and the price table that
// turns billable WhatsApp messages into cost events. Parsed once, by loadConfig.
import { z } from 'zod'
import { decimalProblem } from '../definitions/decimal.ts'

export const WHATSAPP_PRICE_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const
export type WhatsAppPriceCategory = (typeof WHATSAPP_PRICE_CATEGORIES)[number]

/** Price per billable message, per category, in `currency`; markets are ISO 3166 country codes (or `default`). */
export type PriceTable = { currency: string; markets: Record<string, Partial<Record<WhatsAppPriceCategory, number>>> }

export type WhatsAppTenant = { verifyToken: string; appSecret: string }

export type WhatsAppConfig = {
  tenants: Map<string, WhatsAppTenant>
  /** Inactivity that closes a conversation, per tenant ('*' is the default for all tenants). */
  sessionGapSeconds: Map<string, number>
  prices: PriceTable
}

export type ChatwootConfig = { tenants: Map<string, { token: string }> }

// Approximate Meta list prices per delivered template message (USD, per-message pricing since
// July 2025). Service replies inside the customer-service window are free. They are a sane start,
// not a quote: put your rate card (and your currency) in the config file.
export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  markets: {
    default: { marketing: 0.0604, utility: 0.0077, authentication: 0.0302, service: 0 },
    US: { marketing: 0.025, utility: 0.004, authentication: 0.0135, service: 0 },
    MX: { marketing: 0.0305, utility: 0.0085, authentication: 0.0085, service: 0 },
    BR: { marketing: 0.0625, utility: 0.0068, authentication: 0.0068, service: 0 },
    CO: { marketing: 0.0125, utility: 0.0008, authentication: 0.0008, service: 0 },
    AR: { marketing: 0.0618, utility: 0.026, authentication: 0.026, service: 0 },
    CL: { marketing: 0.0889, utility: 0.02, authentication: 0.02, service: 0 },
    PE: { marketing: 0.0703, utility: 0.02, authentication: 0.02, service: 0 },
    ES: { marketing: 0.0615, utility: 0.02, authentication: 0.0276, service: 0 },
    IN: { marketing: 0.0107, utility: 0.0014, authentication: 0.0014, service: 0 },
  },
}

const DAY = 24 * 60 * 60

const gapHours = z
  .number({ error: 'expected a number of hours' })
  .positive('must be > 0')
  .max(24 * 90, 'at most 2160 hours (90 days)')
// A price becomes the amount of cost events, so it must be one the contract accepts.
const price = z
  .number({ error: 'expected a price per message' })
  .nonnegative('must be ≥ 0')
  .refine((value) => decimalProblem(value) === undefined, { error: (issue) => decimalProblem(issue.input) ?? 'expected a price per message' })
const marketPrices = z.object({ marketing: price.optional(), utility: price.optional(), authentication: price.optional(), service: price.optional() }).strict()

const whatsappSectionSchema = z
  .object({
    session_gap_hours: gapHours.optional(),
    tenants: z
      .record(
        z.string(),
        z.object({
          verify_token: z.string().min(1, 'must not be empty'),
          app_secret: z.string().min(1, 'must not be empty'),
          session_gap_hours: gapHours.optional(),
        }),
      )
      .default({}),
    prices: z
      .object({
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
          .default('USD'),
        markets: z.record(z.string(), marketPrices).default({}),
      })
      .optional(),
  })
  .default({ tenants: {} })

const chatwootSectionSchema = z
  .object({ tenants: z.record(z.string(), z.object({ token: z.string().min(16, 'Chatwoot webhook tokens are at least 16 characters') })).default({}) })
  .default({ tenants: {} })

type Fail = (message: string) => never

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]
  return `${issue?.path.join('.')}: ${issue?.message}`
}

/** Parses `tenant:verify_token:app_secret,…` (PULSO_WHATSAPP_TENANTS). */
export function parseWhatsAppTenants(value: string | undefined, fail: Fail): Map<string, WhatsAppTenant> {
  const tenants = new Map<string, WhatsAppTenant>()
  if (!value?.trim()) return tenants
  value.split(',').forEach((entry, i) => {
    const [tenant, verifyToken, ...rest] = entry.trim().split(':')
    const appSecret = rest.join(':')
    if (!tenant || !/^[a-z0-9_-]{1,64}$/.test(tenant) || !verifyToken || !appSecret) {
      fail(
        `PULSO_WHATSAPP_TENANTS entry ${i + 1} ('${tenant ?? ''}:…'): expected tenant:verify_token:app_secret with a tenant id of [a-z0-9_-] and non-empty token and secret`,
      )
    }
    tenants.set(tenant!, { verifyToken: verifyToken!, appSecret })
  })
  return tenants
}

export function loadWhatsAppConfig(file: Record<string, unknown>, env: Record<string, string | undefined>, fail: Fail): WhatsAppConfig {
  const parsed = whatsappSectionSchema.safeParse(file.whatsapp ?? undefined)
  if (!parsed.success) fail(`config file: whatsapp.${issueText(parsed.error)}`)
  const section = parsed.data!
  const tenants = new Map<string, WhatsAppTenant>()
  const sessionGapSeconds = new Map<string, number>()
  let defaultGapHours = section.session_gap_hours ?? 24
  const envGap = env.PULSO_WHATSAPP_SESSION_GAP_HOURS
  if (envGap !== undefined && envGap !== '') {
    const parsedGap = gapHours.safeParse(Number(envGap))
    if (!parsedGap.success) fail(`PULSO_WHATSAPP_SESSION_GAP_HOURS must be a number of hours > 0 and ≤ 2160, got '${envGap}'`)
    defaultGapHours = parsedGap.data!
  }
  sessionGapSeconds.set('*', Math.round(defaultGapHours * 3600))
  for (const [id, t] of Object.entries(section.tenants)) {
    if (!/^[a-z0-9_-]{1,64}$/.test(id)) fail(`config file: whatsapp.tenants.${id}: tenant ids are 1–64 characters of [a-z0-9_-]`)
    tenants.set(id, { verifyToken: t.verify_token, appSecret: t.app_secret })
    if (t.session_gap_hours !== undefined) sessionGapSeconds.set(id, Math.round(t.session_gap_hours * 3600))
  }
  // The environment wins over the file, so a deployment can rotate a secret without editing it.
  for (const [id, t] of parseWhatsAppTenants(env.PULSO_WHATSAPP_TENANTS, fail)) tenants.set(id, t)
  for (const market of Object.keys(section.prices?.markets ?? {})) {
    if (!/^([A-Z]{2}|default)$/.test(market)) fail(`config file: whatsapp.prices.markets.${market}: markets are ISO 3166 codes such as MX, or default`)
  }
  const prices: PriceTable = section.prices
    ? { currency: section.prices.currency, markets: { default: DEFAULT_PRICES.markets.default!, ...section.prices.markets } }
    : DEFAULT_PRICES
  if (section.prices && section.prices.currency !== DEFAULT_PRICES.currency && !section.prices.markets.default) {
    fail(`config file: whatsapp.prices.markets.default: required when whatsapp.prices.currency is not USD (the built-in defaults are USD)`)
  }
  return { tenants, sessionGapSeconds, prices }
}

/** Parses `tenant:token,…` (PULSO_CHATWOOT_TENANTS) and the file's chatwoot section. */
export function loadChatwootConfig(file: Record<string, unknown>, env: Record<string, string | undefined>, fail: Fail): ChatwootConfig {
  const parsed = chatwootSectionSchema.safeParse(file.chatwoot ?? undefined)
  if (!parsed.success) fail(`config file: chatwoot.${issueText(parsed.error)}`)
  const tenants = new Map<string, { token: string }>(Object.entries(parsed.data!.tenants))
  const value = env.PULSO_CHATWOOT_TENANTS
  if (value?.trim()) {
    value.split(',').forEach((entry, i) => {
      const [tenant, ...rest] = entry.trim().split(':')
      const token = rest.join(':')
      if (!tenant || !/^[a-z0-9_-]{1,64}$/.test(tenant) || token.length < 16) {
        fail(`PULSO_CHATWOOT_TENANTS entry ${i + 1} ('${tenant ?? ''}:…'): expected tenant:token with a token of at least 16 characters`)
      }
      tenants.set(tenant!, { token })
    })
  }
  return { tenants }
}

export const DEFAULT_SESSION_GAP_SECONDS = DAY
