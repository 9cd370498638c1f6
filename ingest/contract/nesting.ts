// How deep JSON may nest where Pulso keeps it raw. Fields the contract does not name are stored
// as JSON text (the events table's `extra`), and JSON.stringify recurses: a field nested some
// thousands of levels deep overflowed the stack and failed its whole batch with a 500. The walks
// here use a stack of their own, so they measure any depth JSON.parse produced.

/** How deep a field the contract does not name may nest objects and arrays (`{"a": {"b": 1}}` is 2). */
export const MAX_EXTRA_DEPTH = 32

/** True when `value` nests objects or arrays more than `limit` levels deep. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false
  const pending: unknown[] = [value]
  const depths: number[] = [1]
  while (pending.length > 0) {
    const node = pending.pop() as object
    const depth = depths.pop()!
    if (depth > limit) return true
    for (const key in node) {
      const child = (node as Record<string, unknown>)[key]
      if (child !== null && typeof child === 'object') {
        pending.push(child)
        depths.push(depth + 1)
      }
    }
  }
  return false
}

/**
 * The text of each element of a JSON array, as written (`[{"a":1}, 2]` → `{"a":1}`, `2`). For
 * elements too deep to give to JSON.stringify. `text` must be valid JSON (it was parsed).
 */
export function jsonArrayElementTexts(text: string): string[] {
  const elements: string[] = []
  let depth = 0 // of brackets and braces around the current character
  let start = -1 // where the current element began
  let inString = false
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at)
    if (inString) {
      if (c === 92 /* \ */) at++
      else if (c === 34 /* " */) inString = false
      continue
    }
    const separates = c === 44 /* , */ || c === 93 /* ] */ || c <= 32
    if (depth === 1 && start === -1 && !separates) start = at
    if (c === 34) inString = true
    else if (c === 91 /* [ */ || c === 123 /* { */) depth++
    else if (c === 93 || c === 125 /* } */) depth--
    if (start !== -1 && ((depth === 1 && c === 44) || depth === 0)) {
      elements.push(text.slice(start, at).trim())
      start = -1
    }
  }
  return elements
}
