import { describe, expect, it } from 'vitest'
import { loadTwilioConfig } from './twilio.ts'

const fail = (message: string): never => {
  throw new Error(message)
}

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef'

describe('Twilio configuration', () => {
  it('reads tenants from the file and PULSO_TWILIO_TENANTS; the environment wins for the token, the file keeps the rest', () => {
    const file = {
      twilio: {
        public_url: 'https://pulso.example.com/',
        tenants: { acme: { auth_token: 'file-token', account_sid: ACCOUNT, forwarded_from: 'https://bot.example.com/twilio/incoming' } },
      },
    }
    const config = loadTwilioConfig(file, { PULSO_TWILIO_TENANTS: 'acme:env-token, globex:g:token' }, fail)
    expect(config.publicUrl).toBe('https://pulso.example.com') // without the trailing slash the path is appended to
    expect(config.tenants.get('acme')).toEqual({ authToken: 'env-token', accountSid: ACCOUNT, forwardedFrom: 'https://bot.example.com/twilio/incoming' })
    expect(config.tenants.get('globex')).toEqual({ authToken: 'g:token' })
  })

  it('has no tenants and no public URL by default; PULSO_TWILIO_PUBLIC_URL sets one', () => {
    expect(loadTwilioConfig({}, {}, fail)).toEqual({ tenants: new Map() })
    expect(loadTwilioConfig({}, { PULSO_TWILIO_PUBLIC_URL: 'https://hooks.example.com/pulso' }, fail).publicUrl).toBe('https://hooks.example.com/pulso')
  })

  it('names the field and the rule when something is wrong', () => {
    expect(() => loadTwilioConfig({}, { PULSO_TWILIO_TENANTS: 'acme' }, fail)).toThrow(/PULSO_TWILIO_TENANTS entry 1 \('acme:…'\): expected tenant:auth_token/)
    expect(() => loadTwilioConfig({}, { PULSO_TWILIO_PUBLIC_URL: 'pulso.example.com' }, fail)).toThrow(/PULSO_TWILIO_PUBLIC_URL must be an http or https URL/)
    expect(() => loadTwilioConfig({ twilio: { tenants: { acme: { auth_token: 't', account_sid: 'AC1' } } } }, {}, fail)).toThrow(
      /twilio\.tenants\.acme\.account_sid: a Twilio account SID/,
    )
    expect(() => loadTwilioConfig({ twilio: { tenants: { acme: { authToken: 't' } } } }, {}, fail)).toThrow(/twilio\.tenants\.acme/)
    expect(() => loadTwilioConfig({ twilio: { tenants: { Acme: { auth_token: 't' } } } }, {}, fail)).toThrow(/twilio\.tenants\.Acme: tenant ids/)
    expect(() => loadTwilioConfig({ twilio: { public_url: 'ftp://x.example' } }, {}, fail)).toThrow(/twilio\.public_url: expected an http or https URL/)
  })
})
