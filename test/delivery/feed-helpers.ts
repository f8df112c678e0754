import { expect } from 'vitest';
import { VerifyError } from '../../src/verify/errors.ts';

export const FEED_KEY = 'rs-key-0123456789abcdef';
export const OTHER_FEED_KEY = 'rs-key-rotated-fedcba9876543210';

/** Waits until `condition()` holds, checking every 20 ms; fails the test after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) expect.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The `VerifyError` code `verify(token)` rejects with, or `'ok'`. */
export async function outcome(verify: (token: string) => Promise<unknown>, token: string): Promise<string> {
  try {
    await verify(token);
    return 'ok';
  } catch (err) {
    if (err instanceof VerifyError) return err.code;
    throw err;
  }
}

/** Signs out (POST /auth/logout) with an access token. */
export async function logout(url: string, accessToken: string): Promise<void> {
  const res = await fetch(`${url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(204);
}
