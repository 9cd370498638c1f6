// The current language and `t`, the one way a string reaches the page.
import { type Lang, MESSAGES, type MessageKey } from './messages.ts'

const STORAGE_KEY = 'pulso.lang'

function initialLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY)
  if (stored === 'es' || stored === 'en') return stored
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'es'
}

export const i18n = $state<{ lang: Lang }>({ lang: initialLang() })

export function setLang(lang: Lang): void {
  i18n.lang = lang
  localStorage.setItem(STORAGE_KEY, lang)
  document.documentElement.lang = lang
}

/** The message in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = MESSAGES[i18n.lang][key] ?? key
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`))
}

/** A translated label for a value that may have one (`reason.policy`), else the value itself. */
export function tMaybe(prefix: string, value: string): string {
  const key = `${prefix}.${value}` as MessageKey
  return key in MESSAGES[i18n.lang] ? t(key) : value
}
