// Text the contract stores in a column must be well-formed Unicode. JSON may carry a lone UTF-16
// surrogate ("\ud800" without its pair), which is not a character and has no UTF-8 form: on its way
// to ClickHouse it became U+FFFD, so the text changed, and two event ids that differed only there
// became one id (the second event dropped as a repeat of the first). Fields the contract does not
// name are kept as JSON text, which writes a lone surrogate as its escape, so they keep it exactly.

// With the u flag, a surrogate pair is one code point and only a surrogate outside a pair matches.
const LONE_SURROGATE = /\p{Surrogate}/u
const LONE_SURROGATES = /\p{Surrogate}/gu

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

/** The text with each lone surrogate replaced by U+FFFD, as UTF-8 encoders do (String.prototype.toWellFormed). */
export function toWellFormedText(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text
}

export const LONE_SURROGATE_REASON = 'holds a lone UTF-16 surrogate (such as "\\ud800" without its pair), which is not a character: send well-formed Unicode'
