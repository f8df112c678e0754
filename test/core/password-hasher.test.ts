import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../src/core/errors.ts';
import { PasswordHasher } from '../../src/core/passwords.ts';

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('PasswordHasher', () => {
  it('checks NFKC-normalised passwords against argon2id hashes', async () => {
    const hasher = new PasswordHasher(CHEAP);
    const stored = await hasher.hash('ｃｏｒｒｅｃｔ horse');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await hasher.verify(stored, 'correct horse')).toBe(true);
    expect(await hasher.verify(stored, 'correct horsf')).toBe(false);
    expect(await hasher.verify('not a hash', 'correct horse')).toBe(false);
  });

  it('runs at most `concurrency` hashes at once and sheds what would wait beyond `maxWaiting`', async () => {
    const hasher = new PasswordHasher(CHEAP, 1, 2);
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => hasher.hash(`password ${i}`)));
    const done = results.filter((r) => r.status === 'fulfilled');
    const shed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(done).toHaveLength(3); // one running, two waiting
    expect(shed).toHaveLength(3);
    for (const r of shed) {
      expect(r.reason).toBeInstanceOf(LatchkeyError);
      expect((r.reason as LatchkeyError).code).toBe('service_unavailable');
      expect((r.reason as LatchkeyError).retryAfter).toBe(1);
    }
    // the queue drained: new work is accepted again
    expect(await hasher.hash('after the burst')).toMatch(/^\$argon2id\$/);
  });
});
