import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/clock.ts';
import { KeyRing } from '../../src/core/key-ring.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';

const opened: Array<{ ring?: KeyRing; store: KyselyStore; dir: string }> = [];
afterEach(async () => {
  for (const { ring, store, dir } of opened.splice(0)) {
    ring?.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('the key ring of an idle instance', () => {
  it('follows a rotation made elsewhere without being asked, so its first token after a pause is signed with the live key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-ring-'));
    const secret = new ServerSecret(randomBytes(32));
    const options = { alg: 'ES256' as const, accessTtl: 900, reloadEveryMs: 50 };
    const storeA = await openSqliteStore(path.join(dir, 'latchkey.db'));
    const ringA = await KeyRing.open(storeA, secret, systemClock, options);
    opened.push({ ring: ringA, store: storeA, dir });
    const storeB = await openSqliteStore(path.join(dir, 'latchkey.db'));
    const ringB = await KeyRing.open(storeB, secret, systemClock, options);
    opened.push({ ring: ringB, store: storeB, dir });
    expect(ringB.signingKey().kid).toBe(ringA.signingKey().kid);

    const rotated = await ringA.rotate(); // "another instance" (or `latchkey keys rotate`) rotates
    await new Promise((resolve) => setTimeout(resolve, 400)); // B serves nothing meanwhile

    expect(ringB.signingKey().kid).toBe(rotated);
    expect(ringB.jwks().keys.map((k) => k.kid)).toContain(rotated);
  });
});

describe('key rotation with an activation delay', () => {
  it('publishes a new key at once, signs with it only after the delay, and unpublishes the old one when its last token expired', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-ring-'));
    const store = await openSqliteStore(path.join(dir, 'latchkey.db'));
    const clock = new ManualClock(Date.parse('2027-01-01T00:00:00Z'));
    const ring = await KeyRing.open(store, new ServerSecret(randomBytes(32)), clock, { alg: 'ES256', accessTtl: 900, activationDelay: 30 });
    opened.push({ ring, store, dir });
    const first = ring.signingKey().kid; // the very first key signs at once: there is no older one
    const published = () => ring.jwks().keys.map((k) => k.kid);

    clock.advance(60);
    const second = await ring.rotate();
    expect(published()).toEqual([second, first]);
    expect(ring.signingKey().kid).toBe(first);
    clock.advance(29);
    expect(ring.signingKey().kid).toBe(first);
    clock.advance(2);
    expect(ring.signingKey().kid).toBe(second);

    // the first key signed until 30 s after its retirement; its tokens live 900 s, plus 60 s of skew
    clock.advance(30 + 900 + 60 - 31 - 1); // now 1 s before the end of that window
    expect(published()).toEqual([second, first]);
    clock.advance(2);
    expect(published()).toEqual([second]);
  });
});
