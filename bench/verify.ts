import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { KeyRing, LoadedKey, SigningAlg } from '../src/core/key-ring.ts';
import { judge, median, nowMs, processCpu, type Row, type Sizes } from './harness.ts';
import { benchKeyRing, benchVerifier, mintTokens, type Verify } from './keys.ts';

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

const ROUNDS = 7;
const BATCH = 200;


/** Verify benchmark (1): fresh tokens (every call a cache miss) and repeated tokens (cache hits). */
export async function benchVerify(sizes: Sizes, algs: readonly SigningAlg[] = ['ES256', 'EdDSA', 'RS256']): Promise<Row[]> {
  const rows: Row[] = [];
  const later: (() => Promise<void>)[] = [];
  for (const alg of algs) {
    const { ring, key } = await benchKeyRing(alg);
    const signStart = nowMs();
    const tokens = mintTokens(ring, sizes.verifyTokens);
    const signRate = tokens.length / ((nowMs() - signStart) / 1000);
    const raw = rawVerifier(key);
    for (const t of tokens.slice(0, 10)) if (!raw(t)) throw new Error(`raw ${alg} verify failed`);

    // Interleave raw and latchkey rounds so both see the same machine noise; take medians. Each round
    // is timed by this process's CPU time, not the wall clock: on a shared machine the time the
    // process waits for a core is not the verifier's cost.
    const fresh: Batches = { raw: [], ours: [], ratios: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const verify = benchVerifier(key.jwk); // a new verifier: an empty cache, so every token is fresh
      await verify(tokens[0]!); // fetches the JWKS and imports the key once; not counted
      await alternatingBatches(tokens.slice(1), raw, verify, fresh);
    }
    const { raw: rawCpu, ours: freshCpu, ratios: pairRatios } = fresh;
    const rawRate = 1e6 / median(rawCpu);
    const freshRate = 1e6 / median(freshCpu);
    const freshRatio = median(pairRatios);
    rows.push({
      section: 'verify',
      name: `${alg} sign (KeyRing.sign)`,
      value: signRate,
      unit: 'sign/s',
      note: `every login and refresh signs one; token ${tokens[0]!.length} bytes`,
    });
    rows.push({ section: 'verify', name: `${alg} raw node:crypto`, value: rawRate, unit: 'verify/s', cpu: median(rawCpu) });
    rows.push({
      section: 'verify',
      name: `${alg} fresh token`,
      value: freshRate,
      unit: 'verify/s',
      baseline: rawRate,
      ratio: freshRatio,
      cpu: median(freshCpu),
      cpuBaseline: median(rawCpu),
      goal: '>= 0.85x raw',
      met: judge(freshRatio, 0.85),
      note: `createVerifier of latchkey/verify, cache missed on every call (a new verifier per round); rates are per CPU-second of this process, ${ROUNDS} rounds of alternating batches of ${BATCH}; the ratio is the median over batch pairs (raw batch, then latchkey batch)`,
    });

    // Measured after every algorithm's other rows, so that its garbage (a full cache dropped) falls on none of them.
    const rawCpuMedian = median(rawCpu);
    later.push(async () => {
      const row = await fullCacheRow(alg, ring, key, tokens, raw, rawCpuMedian);
      rows.splice(rows.findIndex((r) => r.name === `${alg} fresh token`) + 1, 0, row);
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
  for (const run of later) await run();
  return rows;
}

/**
 * Fresh tokens against a verifier whose cache is full (a busy resource server): every call a miss
 * that drops the oldest entry. One pass over the tokens, after as many others filled the cache.
 */
async function fullCacheRow(alg: SigningAlg, ring: KeyRing, key: LoadedKey, tokens: readonly string[], raw: (token: string) => boolean, rawCpu: number): Promise<Row> {
  const full = benchVerifier(key.jwk, { cacheSize: tokens.length });
  for (const t of mintTokens(ring, tokens.length)) await full(t);
  const batches: Batches = { raw: [], ours: [], ratios: [] };
  await alternatingBatches(tokens, raw, full, batches);
  const cpu = batches.ours;
  const ratio = median(batches.ratios);
  return {
    section: 'verify',
    name: `${alg} fresh token, full cache`,
    value: 1e6 / median(cpu),
    unit: 'verify/s',
    baseline: 1e6 / rawCpu,
    ratio,
    cpu: median(cpu),
    cpuBaseline: rawCpu,
    goal: '>= 0.85x raw',
    met: judge(ratio, 0.85),
    note: `the same, through one verifier whose cache (${tokens.length} tokens) was filled by other tokens first, so that every call also drops the oldest entry: a busy resource server's state; one pass of alternating batches, after every algorithm's other rows`,
  };
}

/** CPU µs per call of the raw check and of latchkey's verifier, batch by batch, and each pair's ratio (raw / latchkey). */
interface Batches {
  readonly raw: number[];
  readonly ours: number[];
  readonly ratios: number[];
}

/**
 * Small alternating batches: raw and latchkey see the same moments of a busy machine, and each
 * latchkey batch is compared with the raw batch run just before it. Timed by this process's CPU.
 */
async function alternatingBatches(tokens: readonly string[], raw: (token: string) => boolean, verify: Verify, into: Batches): Promise<void> {
  for (let at = 0; at < tokens.length; at += BATCH) {
    const batch = tokens.slice(at, at + BATCH);
    let c0 = processCpu();
    for (const t of batch) raw(t);
    const rawUs = (processCpu() - c0) / batch.length;
    c0 = processCpu();
    for (const t of batch) await verify(t);
    const oursUs = (processCpu() - c0) / batch.length;
    into.raw.push(rawUs);
    into.ours.push(oursUs);
    if (rawUs > 0 && oursUs > 0) into.ratios.push(rawUs / oursUs);
  }
}
