// A failed request as the page tells it: the API's error code in the page's language, and the
// server's own words (English, often naming the field or the SQL at fault) kept beside it as detail.
import { ApiFailure } from './api.ts'
import { t } from './i18n.svelte.ts'
import { MESSAGES, type MessageKey } from './messages.ts'

/** The codes the page has words for; another code is told by its HTTP status. */
const NOT_CODES = new Set(['error.unknown', 'error.network', 'error.serverSays'])

export type ErrorDescription = { message: string; detail: string | null }

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ApiFailure) {
    const key = `error.${error.code}` as MessageKey
    const known = key in MESSAGES.en && !NOT_CODES.has(key)
    return { message: known ? t(key) : t('error.unknown', { status: error.status }), detail: error.message || null }
  }
  // fetch rejects with a TypeError when the server cannot be reached
  if (error instanceof TypeError) return { message: t('error.network'), detail: error.message || null }
  return { message: t('error.unknown', { status: '?' }), detail: error instanceof Error ? error.message : String(error) }
}
