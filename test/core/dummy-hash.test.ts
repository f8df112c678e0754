import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/core/passwords.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, TEST_ARGON2, type TestServer } from '../helpers/server.ts';

// Finding: the dummy hash of unknown e-mails was made through the hash queue once and its promise
// kept; made while the queue was full, it stayed a rejection, and every later unknown e-mail
// answered 503 at once while a registered one cost a full hash: an account oracle until restart.
const FLOOD_ARGON2 = { memoryCost: 16_384, timeCost: 2, parallelism: 1 };

describe('an unknown e-mail after the hash queue overflowed', () => {
  let server: TestServer;
  let passwords: PasswordHasher;

  beforeAll(async () => {
    // Hashes slow enough (~20-40 ms) that 120 logins sent at once always overflow one running + two
    // waiting, however quiet the machine (at the tests' usual cost a quiet machine kept up).
    passwords = new PasswordHasher(FLOOD_ARGON2, 1, 2);
    server = await startServer(NO_THROTTLE, { passwords });
  });
  afterAll(() => server?.close());

  it('still answers 401 after one full hash, as a wrong password does', async () => {
    const emails = Array.from({ length: 6 }, () => uniqueEmail('flood'));
    for (const email of emails) expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);

    // A flood of correct logins fills the queue; one unknown e-mail arrives in the middle of it.
    const flood = Array.from({ length: 120 }, (_, i) =>
      new BrowserClient(server.url).login(i % 20 === 10 ? uniqueEmail('nobody') : emails[i % 6]!, PASSWORD),
    );
    const statuses = (await Promise.all(flood)).map((r) => r.status);
    expect(statuses).toContain(503); // the queue did overflow
    expect(statuses).toContain(200);

    // The server is idle now: unknown e-mails and wrong passwords cost one hash each and answer 401.
    for (let i = 0; i < 3; i++) {
      const before = passwords.hashesRun;
      const res = await new BrowserClient(server.url).login(uniqueEmail('nobody'), PASSWORD);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_credentials' });
      expect(passwords.hashesRun - before).toBe(1);
    }
    const before = passwords.hashesRun;
    expect((await new BrowserClient(server.url).login(emails[0]!, 'wrong password here')).status).toBe(401);
    expect(passwords.hashesRun - before).toBe(1);
  });

  it('never lets a full queue decide what the dummy hash is', async () => {
    const hasher = new PasswordHasher(TEST_ARGON2, 1, 1);
    const stored = await hasher.hash('a real password');
    const busy = [hasher.verify(stored, 'x'), hasher.verify(stored, 'y')]; // one running, one waiting: full
    const during = await hasher.verifyNothing('first unknown e-mail').catch((err: { code?: string }) => err.code);
    expect([false, 'service_unavailable']).toContain(during); // shed or answered, like a known e-mail
    await Promise.all(busy);
    await expect(hasher.verifyNothing('second unknown e-mail')).resolves.toBe(false);
  });
});
