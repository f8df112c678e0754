import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../src/core/clock.ts';
import { KeyRing } from '../src/core/key-ring.ts';
import { ServerSecret } from '../src/core/server-secret.ts';
import type { KyselyStore } from '../src/store/kysely-store.ts';
import { openPostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { createVerifier } from '../src/verify/index.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { benchServerEnv, startChild, type ServerChild } from './child.ts';
import { judge, median, nowMs, percentile, processCpu, type Row, type Sizes } from './harness.ts';
import { benchSecret, seedSessions } from './seed.ts';

const ISSUER = 'http://latchkey.bench';
const FEED_KEY = 'bench-revocation-feed-key-0123456789';
const RATE = 50; // revocations per second
const LIVE = 1000; // live sessions
/** Verifies per timed batch of the throughput comparison. */
const BATCH = 20_000;

/**
 * Revocation latency (6): two latchkey processes on one PostgreSQL database (one SQLite process
 * when TEST_DATABASE_URL is unset) and, in this process, a resource server's verifier following
 * instance B's feed. With 1,000 live sessions, sessions are revoked on instance A
 * (`POST /oauth/revoke`) at 50 per second; each latency runs from sending the revoke request to the
 * moment the verifier rejects that session's tokens. Then the verifier's throughput on cached
 * tokens with the feed attached, against a verifier without it (alternating rounds, medians).
 */
export async function benchRevocation(sizes: Sizes): Promise<Row[]> {
  const db = await createTestDatabase('PostgreSQL revocation benchmark');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const { hex, codec } = benchSecret();
  const env = benchServerEnv({ LATCHKEY_SECRET: hex, LATCHKEY_REVOCATION_KEYS: FEED_KEY, ...(db ? { DATABASE_URL: db.url } : { LATCHKEY_DATA_DIR: dir }) });
  const children: ServerChild[] = [];
  let store: KyselyStore | undefined;
  const verifiers: { close(): void }[] = [];
  try {
    const a = await startChild({ type: 'latchkey', env });
    children.push(a);
    const b = db ? await startChild({ type: 'latchkey', env }) : a;
    if (b !== a) children.push(b);
    store = db ? await openPostgresStore(db.url, { poolSize: 2 }) : await openSqliteStore(path.join(dir, 'latchkey.db'));
    const live = sizes.smoke ? 40 : LIVE;
    const count = sizes.smoke ? 10 : Math.min(live / 2, Math.round(RATE * sizes.seconds * 2.5));
    const seeded = await seedSessions(store, codec, live);
    const ring = await KeyRing.open(store, new ServerSecret(Buffer.from(hex, 'hex')), systemClock, { alg: 'ES256', accessTtl: 900 });
    const iat = Math.floor(Date.now() / 1000);
    const tokens = seeded.sessions.map((s) => ring.sign({ iss: ISSUER, sub: s.userId, aud: ISSUER, iat, exp: iat + 900, jti: randomUUID(), sid: s.id }));
    ring.close();

    const arrived = new Map<string, number>();
    const following = createVerifier({
      issuer: ISSUER,
      audience: ISSUER,
      jwksUri: `${a.url}/.well-known/jwks.json`,
      revocations: { url: `${b.url}/revocations`, key: FEED_KEY, onRevoked: (sid) => arrived.set(sid, nowMs()) },
    });
    verifiers.push(following);
    const plain = createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${a.url}/.well-known/jwks.json` });
    await following.revocations!.ready();
    for (const token of tokens) {
      await following(token);
      await plain(token);
    }

    // Revoke `count` sessions on A at RATE per second.
    const sent = new Map<string, number>();
    const answered = new Map<string, number>();
    const start = nowMs();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (i * 1000) / RATE - nowMs())));
        const session = seeded.sessions[i]!;
        sent.set(session.id, nowMs());
        const res = await fetch(`${a.url}/oauth/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: seeded.tokens[i]! }),
        });
        if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
        answered.set(session.id, nowMs());
      }),
    );
    const deadline = nowMs() + 10_000;
    while (arrived.size < count && nowMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const latencies = [...sent].map(([sid, t0]) => (arrived.get(sid) ?? Number.POSITIVE_INFINITY) - t0);
    const requests = [...sent].map(([sid, t0]) => (answered.get(sid) ?? Number.NaN) - t0);
    // The feed's own share: from the revoke's answer (after its commit) to the rejection; 0 when the
    // verifier knew before the HTTP answer came back.
    const afterAnswer = [...answered].map(([sid, t1]) => Math.max(0, (arrived.get(sid) ?? Number.POSITIVE_INFINITY) - t1));
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      if (await following(tokens[i]!).then(() => false, () => true)) rejected++;
    }
    if (rejected !== arrived.size) throw new Error(`${arrived.size} revocations arrived but ${rejected} tokens were rejected`);

    // Throughput on cached, unrevoked tokens: with the feed attached versus without, in alternating
    // batches timed by this process's CPU time; the ratio is the median over batch pairs.
    const unrevoked = tokens.slice(count);
    const batchCpu = async (verify: (token: string) => Promise<unknown>) => {
      const c0 = processCpu();
      for (let i = 0; i < BATCH; i++) await verify(unrevoked[i % unrevoked.length]!);
      return (processCpu() - c0) / BATCH;
    };
    const withFeed: number[] = [];
    const without: number[] = [];
    const pairs: number[] = [];
    const end = nowMs() + (sizes.smoke ? 200 : sizes.seconds * 1000 * 3);
    while (nowMs() < end || pairs.length === 0) {
      const plainUs = await batchCpu(plain);
      const followingUs = await batchCpu(following);
      without.push(1e6 / plainUs);
      withFeed.push(1e6 / followingUs);
      pairs.push(plainUs / followingUs);
    }
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    const ratio = median(pairs);
    const setting = db ? 'two instances on PostgreSQL (LISTEN/NOTIFY), verifier following B' : 'one SQLite instance (TEST_DATABASE_URL unset)';
    const lost = latencies.filter((l) => !Number.isFinite(l)).length;
    return [
      {
        section: 'revocation',
        name: `revoked on A -> rejected by a following verifier (${count} at ${RATE}/s, ${live.toLocaleString('en-US')} live sessions)`,
        value: p50,
        unit: 'ms (p50)',
        p50,
        p99,
        goal: 'p50 < 100 ms, p99 < 1000 ms',
        met: lost === 0 && p50 < 100 && p99 < 1000,
        note: `${setting}; from sending POST /oauth/revoke to the verifier's rejection (the revoke request alone: p50 ${percentile(requests, 0.5).toFixed(0)} ms)${lost > 0 ? `; ${lost} never arrived` : ''}`,
      },
      {
        section: 'revocation',
        name: 'same, counted from the revoke request\'s answer (the feed\'s own share)',
        value: percentile(afterAnswer, 0.5),
        unit: 'ms (p50)',
        p50: percentile(afterAnswer, 0.5),
        p99: percentile(afterAnswer, 0.99),
        note: '0 when the verifier rejected the token before the revoke request had its answer',
      },
      {
        section: 'revocation',
        name: 'verifier with the feed attached (cached tokens)',
        value: median(withFeed),
        unit: 'verifies/s',
        baseline: median(without),
        ratio,
        goal: '>= 0.95x without the feed',
        met: judge(ratio, 0.95),
        note: `CPU time of this process, ${pairs.length} alternating batches of ${BATCH} verifies each way; the ratio is the median over batch pairs`,
      },
    ];
  } finally {
    for (const v of verifiers) v.close();
    await store?.close();
    for (const c of children) await c.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
