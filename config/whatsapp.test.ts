import { describe, expect, it } from 'vitest'
import { DEFAULT_PRICES, loadChatwootConfig, loadWhatsAppConfig } from './whatsapp.ts'

const fail = (message: string): never => {
  throw new Error(message)
}

describe('WhatsApp configuration', () => {
  it('reads tenants from PULSO_WHATSAPP_TENANTS and the file; the environment wins', () => {
    const file = { whatsapp: { session_gap_hours: 12, tenants: { acme: { verify_token: 'file-token', app_secret: 'file-secret', session_gap_hours: 2 } } } }
    const config = loadWhatsAppConfig(file, { PULSO_WHATSAPP_TENANTS: 'acme:env-token:env:secret, globex:g-token:g-secret' }, fail)
    expect(config.tenants.get('acme')).toEqual({ verifyToken: 'env-token', appSecret: 'env:secret' }) // a secret may contain ':'
    expect(config.tenants.get('globex')).toEqual({ verifyToken: 'g-token', appSecret: 'g-secret' })
    expect(config.sessionGapSeconds).toEqual(
      new Map([
        ['*', 12 * 3600],
        ['acme', 2 * 3600],
      ]),
    )
    expect(config.prices).toBe(DEFAULT_PRICES)
  })

  it('defaults to a 24 h gap and the built-in USD price table', () => {
    const config = loadWhatsAppConfig({}, {}, fail)
    expect(config.sessionGapSeconds.get('*')).toBe(86400)
    expect(config.tenants.size).toBe(0)
    expect(config.prices.currency).toBe('USD')
  })

  it('takes a price table per market and category from the file', () => {
    const config = loadWhatsAppConfig({ whatsapp: { prices: { currency: 'MXN', markets: { default: { marketing: 1.1 }, MX: { utility: 0.15 } } } } }, {}, fail)
    expect(config.prices).toEqual({ currency: 'MXN', markets: { default: { marketing: 1.1 }, MX: { utility: 0.15 } } })
  })

  it('names the field and the rule when something is wrong', () => {
    expect(() => loadWhatsAppConfig({}, { PULSO_WHATSAPP_TENANTS: 'acme:only-token' }, fail)).toThrow(
      /PULSO_WHATSAPP_TENANTS entry 1 \('acme:…'\): expected tenant:verify_token:app_secret/,
    )
    expect(() => loadWhatsAppConfig({}, { PULSO_WHATSAPP_SESSION_GAP_HOURS: '-1' }, fail)).toThrow(
      /PULSO_WHATSAPP_SESSION_GAP_HOURS must be a number of hours > 0/,
    )
    expect(() => loadWhatsAppConfig({ whatsapp: { prices: { markets: { mexico: { utility: 1 } } } } }, {}, fail)).toThrow(
      /whatsapp\.prices\.markets\.mexico.*ISO 3166/,
    )
    expect(() => loadWhatsAppConfig({ whatsapp: { prices: { markets: { MX: { utility: -1 } } } } }, {}, fail)).toThrow(
      /whatsapp\.prices\.markets\.MX\.utility: must be ≥ 0/,
    )
    // a price becomes the amount of cost events, which the events table stores as Decimal(18, 6)
    expect(() => loadWhatsAppConfig({ whatsapp: { prices: { markets: { MX: { utility: 0.0000001 } } } } }, {}, fail)).toThrow(
      /whatsapp\.prices\.markets\.MX\.utility: at most 6 decimal places/,
    )
    expect(() => loadWhatsAppConfig({ whatsapp: { prices: { currency: 'MXN', markets: { MX: { utility: 1 } } } } }, {}, fail)).toThrow(
      /markets\.default: required when whatsapp\.prices\.currency is not USD/,
    )
    expect(() => loadWhatsAppConfig({ whatsapp: { tenants: { acme: { verify_token: 'x' } } } }, {}, fail)).toThrow(/whatsapp\.tenants\.acme\.app_secret/)
  })
})

describe('Chatwoot configuration', () => {
  it('reads tenant tokens from PULSO_CHATWOOT_TENANTS and the file', () => {
    const config = loadChatwootConfig(
      { chatwoot: { tenants: { acme: { token: 'file-token-0123456789' } } } },
      { PULSO_CHATWOOT_TENANTS: 'globex:env-token-0123456789' },
      fail,
    )
    expect([...config.tenants]).toEqual([
      ['acme', { token: 'file-token-0123456789' }],
      ['globex', { token: 'env-token-0123456789' }],
    ])
    expect(() => loadChatwootConfig({}, { PULSO_CHATWOOT_TENANTS: 'acme:short' }, fail)).toThrow(/at least 16 characters/)
  })
})
