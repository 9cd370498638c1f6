// Data of the drill-down pages: a page of conversations behind a number, and one timeline.
import type { Api, ConversationDetail, ConversationPage } from '../lib/api.ts'

/** The filters the drill-down understands, as they appear in the page's address. */
export const DRILL_PARAMS = [
  'from',
  'to',
  'use_case',
  'intent',
  'bot_version',
  'channel',
  'missing',
  'handoff_reason',
  'registry_use_case',
  'template',
  'campaign',
  'agent',
  'queue',
  'flag',
  'sort',
  'offset',
] as const
export const PAGE_SIZE = 50

export function drillQuery(params: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {}
  for (const name of DRILL_PARAMS) {
    const value = params.get(name)
    // an empty campaign is a filter too: the sends without one
    if (value || (name === 'campaign' && value === '' && params.get('template'))) query[name] = value!
  }
  return query
}

export function loadConversations(api: Api, query: Record<string, string>): Promise<ConversationPage> {
  return api.conversations({ ...query, limit: PAGE_SIZE })
}

export function loadConversation(api: Api, id: string): Promise<ConversationDetail> {
  return api.conversation(id)
}
