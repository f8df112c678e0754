import { UNSAFE_TEXT } from '../core/unsafe-text.ts';

const UNSAFE_ALL = new RegExp(UNSAFE_TEXT.source, 'g');
/** What JSON.stringify leaves raw of {@link UNSAFE_TEXT} (it escapes C0 controls itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const asEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` safe to print on a terminal: every control character and bidi override shown as `\uXXXX`,
 * so what the database holds can never move the cursor, clear the screen or reorder a line.
 *
 * @example
 * terminalSafe('evil\u001b[2J@example.com') // 'evil\\u001b[2J@example.com'
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_ALL, asEscape);
}

/**
 * `JSON.stringify(value, null, 2)` with the C1 controls and bidi overrides JSON leaves raw also
 * escaped as `\uXXXX`: still valid JSON for the same value.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, asEscape);
}
