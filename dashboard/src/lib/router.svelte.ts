// Hash routing: #/overview, #/operations, #/costs, #/review, #/data, #/conversations?…, #/conversations/<id>;
// for admins #/people and #/keys; #/invite/<token>, the invite link, for anyone.
export type Page = 'overview' | 'operations' | 'costs' | 'review' | 'data' | 'conversations' | 'conversation' | 'people' | 'keys' | 'invite'

export type Route = { page: Page; id?: string; params: URLSearchParams }

export function parseHash(hash: string): Route {
  const [pathPart = '', search = ''] = hash.replace(/^#\/?/, '').split('?')
  const params = new URLSearchParams(search)
  const [first, ...rest] = pathPart.split('/').filter(Boolean)
  if (first === 'conversations' && rest.length) return { page: 'conversation', id: decodeURIComponent(rest.join('/')), params }
  if (first === 'invite' && rest.length) return { page: 'invite', id: rest.join('/'), params }
  const pages: Page[] = ['overview', 'operations', 'costs', 'review', 'data', 'conversations', 'people', 'keys']
  return { page: pages.includes(first as Page) ? (first as Page) : 'overview', params }
}

export const router = $state<{ route: Route }>({ route: parseHash(location.hash) })

window.addEventListener('hashchange', () => {
  router.route = parseHash(location.hash)
})

export function href(page: string, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v))
  const qs = search.toString()
  return `#/${page}${qs ? `?${qs}` : ''}`
}
