import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWASP_ARGON2ID } from '../../src/core/passwords.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Pairs of logins measured; each pair runs both kinds back to back, in alternating order. */
const PAIRS = 40;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The enumeration defence: a login for an e-mail with no account costs the same argon2id time as a
 * wrong password, so response times do not tell which addresses have accounts. Real OWASP cost;
 * medians of many interleaved runs; a generous bound (0.5x to 2x), so a noisy machine cannot fail it
 * while a missing dummy hash (about 20x faster) still would.
 */
describe('login timing does not reveal which e-mail addresses have accounts', () => {
  let server: TestServer;
  let email: string;
  beforeAll(async () => {
    server = await startServer(
      { LATCHKEY_LOGIN_FAILURE_LIMIT: '0', LATCHKEY_LOGIN_IP_LIMIT: '0' },
      { argon2: OWASP_ARGON2ID },
    );
    email = uniqueEmail('timed');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
  });
  afterAll(() => server.close());

  it('unknown e-mail and wrong password: same answer, medians within a factor of 2', async () => {
    const client = new BrowserClient(server.url);
    const timed = async (address: string) => {
      const started = performance.now();
      const res = await client.login(address, 'not the right password');
      const elapsed = performance.now() - started;
      expect(res.status).toBe(401);
      return { elapsed, body: res.body };
    };
    // Warm up both paths (the dummy hash is made on first use; JIT; connection pool).
    for (let i = 0; i < 3; i++) {
      await timed(email);
      await timed(uniqueEmail('nobody'));
    }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const order = i % 2 ? [true, false] : [false, true];
      for (const exists of order) {
        const { elapsed, body } = await timed(exists ? email : uniqueEmail('nobody'));
        expect(body).toEqual({ error: 'invalid_credentials', error_description: expect.any(String) });
        (exists ? known : unknown).push(elapsed);
      }
    }
    const ratio = median(unknown) / median(known);
    if (process.env.TIMING_VERBOSE) console.info({ known: median(known), unknown: median(unknown), ratio });
    expect(median(known)).toBeGreaterThan(5); // the real argon2id cost is being paid
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  }, 60_000);
});
