// Single sign-on (OpenID Connect, authorization code + PKCE), for the tenants whose config sets a
// provider (config file section `sso`):
//   GET /v1/sso                    the tenants with a provider, for the sign-in page's buttons
//   GET /v1/sso/:tenant/start      sends the browser to the provider
//   GET /v1/sso/:tenant/callback   the provider sends it back: a session, as a password sign-in gives
// Between the two, the state, nonce and PKCE verifier live in a short-lived cookie signed with a key
// derived from the server's hash key, so any API replica can finish a sign-in another started.
// The browser navigates here (no script): refusals are small pages that say why.
import { createHash } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import type { Logger } from 'pino'
import type { PulsoConfig } from '../../config/config.ts'
import type { SsoTenant } from '../../config/sso.ts'
import { type Accounts, RemovedFromTenant } from '../../domain/accounts/accounts.ts'
import { type PendingSignIn, SingleSignOn, SingleSignOnRefused } from '../../domain/accounts/single-sign-on.ts'
import { clientAddress, overHttps } from '../client-address.ts'
import { setSessionCookie } from '../session-cookie.ts'

export const SSO_FLOW_COOKIE = 'pulso_sso'
/** How long a person has at the provider between start and callback. */
const FLOW_SECONDS = 600

type Flow = PendingSignIn & { tenant: string; startedAt: number }

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** The page a refused or failed sign-in lands on: what happened, and the way back. */
function refusalPage(c: Context, status: 400 | 403 | 404 | 502, title: string, message: string, home: string) {
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Pulso</title></head>` +
      `<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">` +
      `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p><p><a href="${escapeHtml(home)}">Back to sign-in</a></p></body></html>`,
    status,
  )
}

export function ssoRoutes(options: { config: PulsoConfig; accounts: Accounts; logger?: Logger }) {
  const { config, accounts, logger } = options
  const { tenants, publicUrl } = config.sso
  const singleSignOn = new SingleSignOn(tenants)
  const flowKey = createHash('sha256').update(`sso-flow\0${config.hashKey}`).digest('base64url')
  const home = `${publicUrl ?? ''}/`

  const baseUrl = (c: Context) => {
    if (publicUrl) return publicUrl
    const url = new URL(c.req.url)
    return `${overHttps(c, config.accounts.trustProxy) ? 'https:' : url.protocol}//${url.host}`
  }
  const redirectUri = (c: Context, tenant: string) => `${baseUrl(c)}/v1/sso/${tenant}/callback`
  const flowCookieOptions = (c: Context, tenant: string) =>
    ({ path: `/v1/sso/${tenant}`, httpOnly: true, sameSite: 'Lax', secure: overHttps(c, config.accounts.trustProxy) }) as const

  const withProvider = (c: Context): { tenant: string; settings: SsoTenant } | undefined => {
    const tenant = c.req.param('tenant') ?? ''
    const settings = tenants.get(tenant)
    return settings ? { tenant, settings } : undefined
  }

  return new Hono()
    .get('/', (c) => c.json({ providers: [...tenants].map(([tenant, s]) => ({ tenant, label: s.label, start_url: `/v1/sso/${tenant}/start` })) }))
    .get('/:tenant/start', async (c) => {
      const found = withProvider(c)
      if (!found) return refusalPage(c, 404, 'No single sign-on here', `tenant ${c.req.param('tenant')} has no single sign-on configured`, home)
      let started: Awaited<ReturnType<SingleSignOn['start']>>
      try {
        started = await singleSignOn.start(found.tenant, found.settings, redirectUri(c, found.tenant))
      } catch (error) {
        logger?.error({ tenant: found.tenant, issuer: found.settings.issuer.href, err: error }, 'single sign-on: identity provider unreachable')
        return refusalPage(c, 502, 'Identity provider unreachable', `could not read ${found.settings.issuer.href}: try again later`, home)
      }
      const flow: Flow = { ...started.pending, tenant: found.tenant, startedAt: Date.now() }
      await setSignedCookie(c, SSO_FLOW_COOKIE, JSON.stringify(flow), flowKey, { ...flowCookieOptions(c, found.tenant), maxAge: FLOW_SECONDS })
      return c.redirect(started.url.href, 302)
    })
    .get('/:tenant/callback', async (c) => {
      const found = withProvider(c)
      if (!found) return refusalPage(c, 404, 'No single sign-on here', `tenant ${c.req.param('tenant')} has no single sign-on configured`, home)
      const { tenant, settings } = found
      const address = clientAddress(c, config.accounts.trustProxy)
      const signed = await getSignedCookie(c, flowKey, SSO_FLOW_COOKIE)
      deleteCookie(c, SSO_FLOW_COOKIE, flowCookieOptions(c, tenant))
      const flow = signed ? (JSON.parse(signed) as Flow) : undefined
      if (!flow || flow.tenant !== tenant || Date.now() - flow.startedAt > FLOW_SECONDS * 1000) {
        logger?.info({ tenant, address }, 'single sign-on refused: no sign-in started from this browser, or it took too long')
        return refusalPage(c, 400, 'Sign-in not completed', 'this sign-in was not started from this browser, or took longer than 10 minutes: start again', home)
      }
      const callbackUrl = new URL(`${redirectUri(c, tenant)}${new URL(c.req.url).search}`)
      try {
        const identity = await singleSignOn.finish(tenant, settings, callbackUrl, flow)
        const signedIn = await accounts.signInVouchedFor({
          tenant,
          email: identity.email,
          name: identity.name,
          defaultRole: settings.defaultRole,
          address,
          provider: settings.issuer.href,
        })
        setSessionCookie(c, signedIn, config.accounts.trustProxy)
        return c.redirect(home, 303)
      } catch (error) {
        if (error instanceof RemovedFromTenant) return refusalPage(c, 403, 'Sign-in refused', error.message, home)
        if (!(error instanceof SingleSignOnRefused)) throw error
        logger?.info({ tenant, address, reason: error.code }, 'single sign-on refused')
        const title = error.code === 'sso_failed' ? 'Sign-in failed' : 'Sign-in refused'
        return refusalPage(c, error.code === 'sso_failed' ? 400 : 403, title, error.message, home)
      }
    })
}
