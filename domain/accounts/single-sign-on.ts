// Single sign-on with OpenID Connect (authorization code flow with PKCE), through openid-client:
// where to send the browser, and, when it comes back with a code, who the provider says it is —
// the ID token checked (signature, issuer, audience, expiry, nonce), the email verified and of an
// allowed domain. The HTTP side (the flow's cookie, redirects, the session) is api/routes/sso.ts's.
import * as oidc from 'openid-client'
import type { SsoTenant } from '../../config/sso.ts'

/** What the start of a sign-in must remember until the provider sends the browser back. */
export type PendingSignIn = { state: string; nonce: string; codeVerifier: string }

/** Who the provider vouched for. */
export type VouchedIdentity = { email: string; name: string }

/** A sign-in the provider or Pulso refused, with a reason a person can act on. */
export class SingleSignOnRefused extends Error {
  override name = 'SingleSignOnRefused'
  constructor(
    message: string,
    readonly code: 'sso_domain_refused' | 'sso_email_unverified' | 'sso_failed',
  ) {
    super(message)
  }
}

export class SingleSignOn {
  /** Each provider's discovered metadata, read once (a failed read is tried again next time). */
  private readonly discovered = new Map<string, Promise<oidc.Configuration>>()

  constructor(readonly tenants: Map<string, SsoTenant>) {}

  private configurationOf(tenant: string, settings: SsoTenant): Promise<oidc.Configuration> {
    let configuration = this.discovered.get(tenant)
    if (!configuration) {
      // config/sso.ts allows plain http only for a provider on this machine
      const insecure = settings.issuer.protocol === 'http:'
      configuration = oidc.discovery(
        settings.issuer,
        settings.clientId,
        settings.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      configuration.catch(() => this.discovered.delete(tenant))
      this.discovered.set(tenant, configuration)
    }
    return configuration
  }

  /** The provider's authorization URL for a new sign-in, and what to keep until the callback. */
  async start(tenant: string, settings: SsoTenant, redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const configuration = await this.configurationOf(tenant, settings)
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() }
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    })
    return { url, pending }
  }

  /**
   * Exchanges the callback's code and checks the ID token, then the email: verified by the provider
   * and of one of the tenant's allowed domains. `callbackUrl` is the redirect URI with the query
   * the provider added.
   */
  async finish(tenant: string, settings: SsoTenant, callbackUrl: URL, pending: PendingSignIn): Promise<VouchedIdentity> {
    const configuration = await this.configurationOf(tenant, settings).catch((error: Error) => {
      throw new SingleSignOnRefused(`could not read the identity provider ${settings.issuer.href}: ${error.message}`, 'sso_failed')
    })
    let claims: Record<string, unknown> | undefined
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      const idToken = tokens.claims()!
      claims = { ...idToken }
      // Some providers put the email in the ID token, others only at the UserInfo endpoint (OIDC
      // Core 5.4: for the code flow, scope claims come from UserInfo), answered for the same subject.
      if (typeof idToken.email !== 'string') claims = { ...(await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub)) }
    } catch (error) {
      throw new SingleSignOnRefused(`the identity provider's answer was not accepted: ${(error as Error).message}`, 'sso_failed')
    }
    const email = typeof claims?.email === 'string' ? claims.email.trim().toLowerCase() : ''
    if (!email) throw new SingleSignOnRefused('the identity provider did not give an email address (scope email)', 'sso_failed')
    if (claims?.email_verified !== true) throw new SingleSignOnRefused(`the identity provider has not verified ${email}`, 'sso_email_unverified')
    const domain = email.slice(email.lastIndexOf('@') + 1)
    if (!settings.allowedDomains.includes(domain))
      throw new SingleSignOnRefused(`${email} may not sign in to ${tenant}: only addresses of ${settings.allowedDomains.join(', ')} may`, 'sso_domain_refused')
    const name = typeof claims?.name === 'string' && claims.name.trim() ? claims.name.trim() : email
    return { email, name }
  }
}
