/** The shortest and longest passwords accepted: 8 characters (code points, after NFKC), 1024 bytes. */
export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_BYTES = 1024;

/**
 * Why `password` is too weak for the account `email`, in words for a person; `undefined` when it is fine.
 *
 * @example
 * passwordProblem('short', 'ann@example.com') // 'Use at least 8 characters.'
 */
export function passwordProblem(password: string, _email: string): string | undefined {
  const normalized = password.normalize('NFKC');
  if ([...normalized].length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`;
  if (Buffer.byteLength(normalized, 'utf8') > MAX_PASSWORD_BYTES) return `Use at most ${MAX_PASSWORD_BYTES} bytes.`;
  return undefined;
}
