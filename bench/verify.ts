import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { LoadedKey, SigningAlg } from '../src/core/key-ring.ts';
import { judge, median, nowMs, type Row, type Sizes } from './harness.ts';
import { benchKeyRing, benchVerifier, mintTokens } from './keys.ts';

/**
 * Raw node:crypto verification of a compact JWS: split, decode the signature, one `crypto.verify`.
 * No claims are parsed: this is the physical limit any verifier of the token is compared with.
 */
export function rawVerifier(key: LoadedKey): (token: string) => boolean {
  const publicKey: KeyObject = key.publicKey;
  if (key.alg === 'EdDSA') {
    return (token) => {
      const dot = token.lastIndexOf('.');
      return cryptoVerify(null, Buffer.from(token.slice(0, dot)), publicKey, Buffer.from(token.slice(dot + 1), 'base64url'));
    };
  }
  const keyInput = key.alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
  return (token) => {
    const dot = token.lastIndexOf('.');
    return cryptoVerify('sha256', Buffer.from(token.slice(0, dot)), keyInput, Buffer.from(token.slice(dot + 1), 'base64url'));
  };
}

/** Verify benchmark (1): fresh tokens (every call a cache miss) and repeated tokens (cache hits). */
export async function benchVerify(sizes: Sizes, algs: readonly SigningAlg[] = ['ES256', 'EdDSA', 'RS256']): Promise<Row[]> {
  const rows: Row[] = [];
  for (const alg of algs) {
    const { ring, key } = await benchKeyRing(alg);
    const signStart = nowMs();
    const tokens = mintTokens(ring, sizes.verifyTokens);
    const signRate = tokens.length / ((nowMs() - signStart) / 1000);
    const raw = rawVerifier(key);
    for (const t of tokens.slice(0, 10)) if (!raw(t)) throw new Error(`raw ${alg} verify failed`);

    // Interleave raw and latchkey rounds so both see the same machine noise; take medians.
    const rawRates: number[] = [];
    const freshRates: number[] = [];
    for (let round = 0; round < 3; round++) {
      let t0 = nowMs();
      for (const t of tokens) raw(t);
      rawRates.push(tokens.length / ((nowMs() - t0) / 1000));

      const verify = benchVerifier(key.jwk); // a new verifier: an empty cache, so every token is fresh
      await verify(tokens[0]!); // fetches the JWKS and imports the key once; not counted
      const fresh = tokens.slice(1);
      t0 = nowMs();
      for (const t of fresh) await verify(t);
      freshRates.push(fresh.length / ((nowMs() - t0) / 1000));
    }
    const rawRate = median(rawRates);
    const freshRate = median(freshRates);
    const freshRatio = freshRate / rawRate;
    rows.push({
      section: 'verify',
      name: `${alg} sign (KeyRing.sign)`,
      value: signRate,
      unit: 'sign/s',
      note: `every login and refresh signs one; token ${tokens[0]!.length} bytes`,
    });
    rows.push({ section: 'verify', name: `${alg} raw node:crypto`, value: rawRate, unit: 'verify/s' });
    rows.push({
      section: 'verify',
      name: `${alg} fresh token`,
      value: freshRate,
      unit: 'verify/s',
      baseline: rawRate,
      ratio: freshRatio,
      goal: '>= 0.85x raw',
      met: judge(freshRatio, 0.85),
      note: 'createVerifier of latchkey/verify, cache missed on every call (a new verifier per round)',
    });

    // Repeated tokens: a realistic working set of 1,000 tokens (fewer in smoke), already verified once.
    const verify = benchVerifier(key.jwk);
    const pool = tokens.slice(0, Math.min(1000, tokens.length));
    for (const t of pool) await verify(t);
    let ops = 0;
    const t0 = nowMs();
    const end = t0 + sizes.seconds * 1000;
    while (nowMs() < end) {
      for (let i = 0; i < pool.length; i++) await verify(pool[i]!);
      ops += pool.length;
    }
    const repeatedRate = ops / ((nowMs() - t0) / 1000);
    const repeatedRatio = repeatedRate / rawRate;
    rows.push({
      section: 'verify',
      name: `${alg} repeated token (cache)`,
      value: repeatedRate,
      unit: 'verify/s',
      baseline: rawRate,
      ratio: repeatedRatio,
      goal: '>= 10x raw',
      met: judge(repeatedRatio, 10),
    });
  }
  return rows;
}
