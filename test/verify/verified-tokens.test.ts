import { describe, expect, it } from 'vitest';
import type { VerifiedClaims } from '../../src/verify/token-verifier.ts';
import { type Verified, VerifiedTokens } from '../../src/verify/verified-tokens.ts';

/** A token-shaped text ending in `tail` (the cache keys on the last characters). */
const token = (body: string, tail: string) => `header.${body}.${tail.padStart(16, 's')}`;
const claims = (sub: string) => ({ sub }) as unknown as VerifiedClaims;

describe('the verified-token cache', () => {
  it('keeps at most its size, dropping the oldest first, however long it runs', () => {
    const cache = new VerifiedTokens(3);
    const tokens = Array.from({ length: 50 }, (_, i) => token(`p${i}`, `sig${i}`));
    for (const [i, t] of tokens.entries()) cache.add(t, claims(`u${i}`));
    expect(tokens.filter((t) => cache.get(t) !== undefined)).toEqual(tokens.slice(-3));
    expect(cache.get(tokens[49]!)?.claims).toEqual({ sub: 'u49' });
  });

  it('answers only for the exact text: another token with the same last characters is a miss', () => {
    const cache = new VerifiedTokens(10);
    cache.add(token('genuine', 'same-signature'), claims('a'));
    expect(cache.get(token('tampered', 'same-signature'))).toBeUndefined();
    expect(cache.get(token('genuine', 'same-signature'))?.claims).toEqual({ sub: 'a' });
  });

  it('keeps the later of two tokens that end alike, and dropping the earlier one as the oldest leaves it', () => {
    const cache = new VerifiedTokens(3);
    const earlier = token('one', 'shared-tail');
    const later = token('two', 'shared-tail');
    cache.add(earlier, claims('one'));
    cache.add(later, claims('two'));
    expect(cache.get(earlier)).toBeUndefined(); // verified again if it comes back
    cache.add(token('x', 'sig-x'), claims('x'));
    cache.add(token('y', 'sig-y'), claims('y')); // the ring drops the earlier entry: not the later one
    expect(cache.get(later)?.claims).toEqual({ sub: 'two' });
    expect(cache.get(token('x', 'sig-x'))?.claims).toEqual({ sub: 'x' });
  });

  it('forgets an entry, and a token cached again afterwards outlives the slot of its earlier entry', () => {
    const cache = new VerifiedTokens(2);
    const a = token('a', 'sig-a');
    const first = cache.add(a, claims('a1'));
    cache.forget(first);
    expect(cache.get(a)).toBeUndefined();
    cache.add(a, claims('a2')); // the ring now holds a's old entry (oldest) and its new one
    cache.add(token('b', 'sig-b'), claims('b')); // recycles the old entry's slot: a's new entry stays
    expect(cache.get(a)?.claims).toEqual({ sub: 'a2' });
    expect(cache.get(token('b', 'sig-b'))?.claims).toEqual({ sub: 'b' });
  });

  it('forgets nothing newer: forgetting a replaced entry keeps its replacement', () => {
    const cache = new VerifiedTokens(5);
    const t = token('t', 'sig-t');
    const older = cache.add(t, claims('old'));
    cache.add(t, claims('new'));
    cache.forget(older);
    expect(cache.get(t)?.claims).toEqual({ sub: 'new' });
  });

  it('takes a fractional size as whole entries', () => {
    const cache = new VerifiedTokens(2.5);
    const tokens = Array.from({ length: 7 }, (_, i) => token(`p${i}`, `sig${i}`));
    for (const t of tokens) cache.add(t, claims(t));
    expect(tokens.filter((t) => cache.get(t) !== undefined)).toEqual(tokens.slice(-2));
  });

  it('caches nothing at size 0, yet hands out the entry', () => {
    const cache = new VerifiedTokens(0);
    const t = token('t', 'sig-t');
    expect(cache.add(t, claims('x')).claims).toEqual({ sub: 'x' });
    expect(cache.get(t)).toBeUndefined();
  });

  it('agrees with a plain map of the same rules over a long run of adds, repeats and forgets', () => {
    // A small cache (a table of 64 to 256 slots) and thousands of operations: runs of neighbouring
    // keys form, wrap around the table's end, and are cut by forgets and by the oldest leaving.
    let seed = 17;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const tail = (t: string) => t.slice(-6);
    const cache = new VerifiedTokens(100);
    const model = new Map<string, Verified>();
    const ring: Verified[] = [];
    const seen: string[] = [];
    const modelForget = (entry: Verified) => {
      if (model.get(tail(entry.token)) === entry) model.delete(tail(entry.token));
    };
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      if (roll < 0.6 || seen.length === 0) {
        const t = roll < 0.45 || seen.length === 0 ? token(`p${step}`, `s${(random() * 1e9) | 0}`) : seen[(random() * seen.length) | 0]!;
        seen.push(t);
        const entry = cache.add(t, claims(t));
        if (ring.length === 100) modelForget(ring.shift()!);
        ring.push(entry);
        model.set(tail(t), entry);
      } else if (roll < 0.75) {
        const entry = ring[(random() * ring.length) | 0]!;
        cache.forget(entry);
        modelForget(entry);
      }
      const probe = seen[(random() * seen.length) | 0]!;
      const expected = model.get(tail(probe));
      expect(cache.get(probe)).toBe(expected?.token === probe ? expected : undefined);
    }
    for (const t of seen) {
      const expected = model.get(tail(t));
      expect(cache.get(t)).toBe(expected?.token === t ? expected : undefined);
    }
  });
});
