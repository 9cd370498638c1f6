// X-Twilio-Signature against the examples Twilio publishes: the worked example of its webhook-security
// documentation and the repeated-parameter case of its helper libraries' tests (twilio-python,
// twilio-php RequestValidatorTest), so a scheme that is only consistent with itself cannot pass.
import { describe, expect, it } from 'vitest'
import { isValidTwilioSignature, parseForm, twilioSignature, urlVariants } from './signature.ts'

const AUTH_TOKEN = '12345'
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
const DOCUMENTED = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='

describe('twilioSignature', () => {
  it("reproduces the example signature of Twilio's documentation", () => {
    expect(twilioSignature(AUTH_TOKEN, URL, PARAMS)).toBe(DOCUMENTED)
  })

  it('signs a repeated parameter once per distinct value, values sorted (helper-library vector)', () => {
    const form = parseForm('Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234')
    expect(form).toEqual({ Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] })
    expect(twilioSignature(AUTH_TOKEN, URL, form)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=')
  })

  it('signs the decoded values of a form body, whatever the order of its parameters', () => {
    const body = 'To=%2B18005551212&From=%2B14158675309&Digits=1234&Caller=%2B14158675309&CallSid=CA1234567890ABCDE'
    expect(twilioSignature(AUTH_TOKEN, URL, parseForm(body))).toBe(DOCUMENTED)
  })
})

describe('isValidTwilioSignature', () => {
  it('accepts the documented signature and refuses any change to token, URL, parameters or signature', () => {
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, [URL], PARAMS)).toBe(true)
    expect(isValidTwilioSignature(DOCUMENTED, 'other-token', [URL], PARAMS)).toBe(false)
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, [`${URL}&baz=3`], PARAMS)).toBe(false)
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, ['http://mycompany.com/myapp.php?foo=1&bar=2'], PARAMS)).toBe(false)
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, [URL], { ...PARAMS, Digits: '9999' })).toBe(false)
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, [URL], { ...PARAMS, Extra: '' })).toBe(false)
    expect(isValidTwilioSignature('RSOYDt4T1cUTdK1PDd93/VVr8B8', AUTH_TOKEN, [URL], PARAMS)).toBe(false)
    expect(isValidTwilioSignature(undefined, AUTH_TOKEN, [URL], PARAMS)).toBe(false)
    expect(isValidTwilioSignature('', AUTH_TOKEN, [URL], PARAMS)).toBe(false)
  })

  it('accepts a signature of any of the candidate URLs (the public one, a forwarding service)', () => {
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, ['https://pulso.example.com/v1/webhooks/twilio/acme', URL], PARAMS)).toBe(true)
  })

  it("accepts the URL with or without its scheme's default port, as Twilio's libraries do", () => {
    const withPort = twilioSignature(AUTH_TOKEN, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS)
    expect(isValidTwilioSignature(withPort, AUTH_TOKEN, [URL], PARAMS)).toBe(true)
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, ['https://mycompany.com:443/myapp.php?foo=1&bar=2'], PARAMS)).toBe(true)
    // another port is another URL
    expect(isValidTwilioSignature(DOCUMENTED, AUTH_TOKEN, ['https://mycompany.com:8443/myapp.php?foo=1&bar=2'], PARAMS)).toBe(false)
  })
})

describe('urlVariants', () => {
  it('gives the URL as written, without and with the default port', () => {
    expect(urlVariants('https://a.example/x?y=1')).toEqual(['https://a.example/x?y=1', 'https://a.example:443/x?y=1'])
    expect(urlVariants('http://a.example:80/x')).toEqual(['http://a.example:80/x', 'http://a.example/x'])
    expect(urlVariants('http://localhost:8080/x')).toEqual(['http://localhost:8080/x'])
  })
})
