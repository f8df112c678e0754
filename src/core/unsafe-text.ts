/**
 * Characters that must never be part of an e-mail address or a name: C0 and C1 control characters
 * (an escape sequence reaching an operator's terminal can rewrite the screen) and the bidirectional
 * overrides, embeddings, isolates and marks (they make `evil‮gpj.exe` read as something else).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * True when `text` holds a character of {@link UNSAFE_TEXT}.
 *
 * @example
 * hasUnsafeText('ann\u001b[2J@example.com') // true
 * hasUnsafeText('Ann Müller') // false
 */
export function hasUnsafeText(text: string): boolean {
  return UNSAFE_TEXT.test(text);
}
