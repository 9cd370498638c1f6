// A real OpenID Connect provider for tests (the oidc-provider package) on a local port: one
// confidential client, test accounts by id, PKCE required, and its development login pages, which
// a test drives with plain HTTP requests (signInAt) the way a browser would.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export type TestAccount = { email: string; email_verified: boolean; name: string }

export type TestProvider = { issuer: string; clientId: string; clientSecret: string; close: () => Promise<void> }

/**
 * `redirectUris` is read at the first request, so a test may start the provider before the server
 * whose callback it will call (and whose port it does not know yet).
 */
export async function startTestProvider(options: { redirectUris: string[] | (() => string[]); accounts: Record<string, TestAccount> }): Promise<TestProvider> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clientId = 'pulso-test'
  const clientSecret = 'pulso-test-client-secret'
  const makeProvider = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: typeof options.redirectUris === 'function' ? options.redirectUris() : options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ['oidc-test-provider-cookie-key'] },
      async findAccount(_ctx, id) {
        const account = options.accounts[id]
        return account ? { accountId: id, claims: async () => ({ sub: id, ...account }) } : undefined
      },
    })
  let handle: ReturnType<Provider['callback']> | undefined
  server.on('request', (request, response) => {
    handle ??= makeProvider().callback()
    handle(request, response)
  })
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** A browser's cookies, enough for the provider's: name=value per host, paths ignored. */
class CookieJar {
  private readonly cookies = new Map<string, string>()
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      if (/expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, pair!.slice(eq + 1))
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

/**
 * Follows the provider's authorization URL as a browser would, signs in as `accountId` on its login
 * page and consents, and answers the URL the provider sends the browser back to (Pulso's callback).
 */
export async function signInAt(provider: TestProvider, authorizationUrl: string, accountId: string): Promise<URL> {
  const jar = new CookieJar()
  let url = new URL(authorizationUrl)
  for (let step = 0; step < 12; step++) {
    if (url.origin !== provider.issuer) return url // back to the client
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } })
    jar.take(response)
    if (response.status === 200 && url.pathname.startsWith('/interaction/')) {
      const page = await response.text()
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1]
      if (!prompt) throw new Error(`the provider's page at ${url.pathname} has no prompt`)
      response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt }),
      })
      jar.take(response)
    }
    const location = response.headers.get('location')
    if (!location) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${await response.text()}`)
    url = new URL(location, url)
  }
  throw new Error('the provider did not send the browser back')
}
