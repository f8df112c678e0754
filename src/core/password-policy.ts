import { dictionary } from '@zxcvbn-ts/language-common';

/** The shortest and longest passwords accepted: 8 characters (code points, after NFKC), 1024 bytes. */
export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_BYTES = 1024;

/** A local part shorter than this is too likely to occur by chance to be refused inside a password. */
const MIN_LOCAL_PART = 3;

let common: ReadonlySet<string> | undefined;

/**
 * The most common passwords (lower-cased), from the maintained list of `@zxcvbn-ts/language-common`
 * (~49k passwords from leaked-password corpora). Built once, on first use.
 */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/**
 * Why `password` is too weak for the account `email`, in words for a person; `undefined` when it is fine.
 * Refused: fewer than 8 characters, more than 1024 bytes, one of the most common passwords (in any
 * letter case), or a password that contains the e-mail's local part (3+ characters, any case).
 *
 * @example
 * passwordProblem('short', 'ann@example.com') // 'Use at least 8 characters.'
 * passwordProblem('Password1', 'ann@example.com') // 'This is one of the most common passwords: …'
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const normalized = password.normalize('NFKC');
  if ([...normalized].length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`;
  if (Buffer.byteLength(normalized, 'utf8') > MAX_PASSWORD_BYTES) return `Use at most ${MAX_PASSWORD_BYTES} bytes.`;
  const lower = normalized.toLowerCase();
  if (commonPasswords().has(lower)) {
    return 'This is one of the most common passwords, tried first by attackers. Choose another: a few unrelated words make a strong one.';
  }
  if (localParts(email).some((part) => lower.includes(part))) {
    return 'Do not use your e-mail address (or its name part) in your password.';
  }
  return undefined;
}

/** The e-mail's local part, and its part before a `+tag`, lower-cased; only those of 3+ characters. */
function localParts(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = (at < 0 ? email : email.slice(0, at)).trim().normalize('NFKC').toLowerCase();
  const parts = [local, local.split('+')[0] ?? ''];
  return [...new Set(parts)].filter((part) => [...part].length >= MIN_LOCAL_PART);
}
