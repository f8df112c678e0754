import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createLatchkey } from '../src/server/create-latchkey.ts';
import { openPostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { benchServerEnv, startChild, type ServerChild } from './child.ts';
import { closedLoop, judge, median, percentile, processCpu, warmOps, type Row, type Sizes } from './harness.ts';
import { LoopbackClient } from './http-client.ts';
import { benchKeyRing } from './keys.ts';
import { rawRotation, type RawRotationTarget } from './raw-rotation.ts';
import { BENCH_UA, benchSecret, seedSessions } from './seed.ts';

export const CONCURRENCY = [1, 32] as const;

/**
 * Devices refreshing over HTTP: worker `w` holds session `w`'s refresh token and rotates it through
 * `POST /oauth/token grant_type=refresh_token`, each answer's token being the next request's.
 */
export function refreshingDevices(server: ServerChild, tokens: string[], sockets: number, rotate = true) {
  const client = new LoopbackClient(server.url, sockets);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BENCH_UA };
  const step = async (worker: number) => {
    const res = await client.request('POST', '/oauth/token', headers, `grant_type=refresh_token&refresh_token=${tokens[worker]}`);
    if (res.status !== 200) throw new Error(`refresh answered ${res.status}: ${res.body}`);
    const next = (JSON.parse(res.body) as { refresh_token: string }).refresh_token;
    if (rotate) tokens[worker] = next;
  };
  return { step, close: () => client.close() };
}

interface Target {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly env: Record<string, string>;
  /** Throughput goal over HTTP, times the raw transaction. */
  readonly goal: number;
  openStore(): ReturnType<typeof openSqliteStore>;
  /** The database the raw rotation runs on. */
  readonly raw: RawRotationTarget;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const file = path.join(dir, 'latchkey.db');
  return {
    name: 'SQLite',
    env: { LATCHKEY_DATA_DIR: dir },
    goal: 0.5,
    openStore: () => openSqliteStore(file),
    raw: { sqlite: file },
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(): Promise<Target | undefined> {
  const db = await createTestDatabase('PostgreSQL refresh benchmark');
  if (!db) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  return {
    name: 'PostgreSQL',
    env: { LATCHKEY_DATA_DIR: dir, DATABASE_URL: db.url },
    goal: 0.5,
    openStore: () => openPostgresStore(db.url),
    raw: { postgres: db.url },
    cleanup: async () => {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A phase run in several short rounds: the rate over all of them, every latency sample, CPU spent. */
interface Phase {
  ops: number;
  seconds: number;
  latencies: number[];
  /** Microseconds of CPU (user + system) of the process doing the work, over all rounds. */
  cpu: number;
}

/** One round of `phase`; `cpu` reads the CPU time of the process that does the work. Returns the round's CPU µs per operation. */
async function round(phase: Phase, workers: number, seconds: number, step: (worker: number) => Promise<void> | void, cpu: () => Promise<number> | number = processCpu): Promise<number> {
  const cpu0 = await cpu();
  const run = await closedLoop(workers, seconds, step);
  const spent = (await cpu()) - cpu0;
  phase.cpu += spent;
  phase.ops += run.ops;
  phase.seconds += run.ops / run.rate;
  phase.latencies.push(...run.latencies);
  return spent / Math.max(1, run.ops);
}

/**
 * Short rounds, latchkey's and the parts' side by side in each (which goes first alternates): the
 * machine's speed moves from one second to the next, and a pair must share the moment it meets.
 */
const ROUNDS = 9;

/** CPU microseconds of one ES256 signature of an access token, as latchkey signs it (KeyRing.sign). */
async function signCpu(seconds: number): Promise<number> {
  const { ring } = await benchKeyRing('ES256');
  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    return { iss: 'http://latchkey.bench', sub: randomUUID(), aud: 'http://latchkey.bench', iat, exp: iat + 900, jti: randomUUID(), sid: randomUUID() };
  };
  for (let i = 0; i < 200; i++) ring.sign(claims());
  const cpu0 = processCpu();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    ring.sign(claims());
    n++;
  }
  return (processCpu() - cpu0) / n;
}

/**
 * Refresh benchmark (3): rotations/s and p50/p99 through the real token endpoint (server in a child
 * process) vs the raw rotation transaction on the same database by the same driver, at concurrency
 * 1 and 32, each worker refreshing its own session's chain. A third figure, `Auth.refresh` called
 * in-process, splits latchkey's own cost from HTTP's. The three alternate in short rounds so that
 * the load of a shared machine falls on all of them alike. PostgreSQL runs when TEST_DATABASE_URL is set.
 *
 * CPU per refresh: the server process's CPU time per refresh over HTTP, against the same for its
 * parts put together (a minimal Fastify route running the raw rotation and one signature, its own
 * child process), timed side by side in each round; the goal's ratio is the median of the rounds'
 * ratios. Beside it, the parts each alone: the raw rotation transaction (this process), one ES256
 * signature (KeyRing.sign, this process) and a minimal Fastify route answering the same body over
 * the same client (its own child process).
 */
export async function benchRefresh(sizes: Sizes): Promise<Row[]> {
  const rows: Row[] = [];
  const targets = [await sqliteTarget(), await postgresTarget()].filter((t): t is Target => t !== undefined);
  const sign = await signCpu(Math.max(0.2, sizes.seconds / 8));
  for (const target of targets) {
    try {
      const { hex, codec } = benchSecret();
      const store = await target.openStore();
      // Devices (HTTP and in-process) rotate their chains through latchkey; the raw transaction has
      // sessions of its own (it advances counters behind latchkey's back, which would look like theft).
      const seeded = await seedSessions(store, codec, Math.max(...CONCURRENCY));
      const ids = (await seedSessions(store, codec, Math.max(...CONCURRENCY))).sessions.map((s) => s.id);
      const partsIds = (await seedSessions(store, codec, Math.max(...CONCURRENCY))).sessions.map((s) => s.id);
      await store.close();
      const tokens = seeded.tokens;

      const env = benchServerEnv({ ...target.env, LATCHKEY_SECRET: hex });
      const server = await startChild({ type: 'latchkey', env });
      const core = await createLatchkey(loadConfig(env), { logger: false });
      const raw = rawRotation(target.raw);
      const devices = refreshingDevices(server, tokens, Math.max(...CONCURRENCY));
      const context = { userAgent: BENCH_UA, ip: '127.0.0.1', deviceId: null };
      const inProcess = async (worker: number) => {
        tokens[worker] = (await core.auth.refresh(tokens[worker]!, context)).refreshToken;
      };
      // The HTTP part alone: the same request and the same answer's bytes, nothing behind them; and
      // the same route doing the raw rotation and one signature: the parts, put together.
      const sample = await new LoopbackClient(server.url, 1).request('POST', '/oauth/token', { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BENCH_UA }, `grant_type=refresh_token&refresh_token=${tokens[0]}`);
      tokens[0] = (JSON.parse(sample.body) as { refresh_token: string }).refresh_token;
      const minimal = await startChild({ type: 'minimal', body: sample.body });
      const parts = await startChild({ type: 'parts', body: sample.body, rotation: target.raw, sessionIds: partsIds });
      const fixedTokens = () => tokens.map(() => tokens[0]!);
      const minimalDevices = refreshingDevices(minimal, fixedTokens(), Math.max(...CONCURRENCY), false);
      const partsDevices = refreshingDevices(parts, fixedTokens(), Math.max(...CONCURRENCY), false);
      try {
        // Each phase is warmed until its code is compiled, not for a fixed time: the JIT needs
        // thousands of requests, more for a larger request path, and c=1 is timed first.
        const warm = (step: (worker: number) => Promise<void> | void) => closedLoop(Math.max(...CONCURRENCY), 15, step, warmOps(sizes));
        await warm(devices.step);
        await warm(inProcess);
        await warm((w) => raw.rotate(ids[w]!));
        await warm(minimalDevices.step);
        await warm(partsDevices.step);
        for (const c of CONCURRENCY) {
          const phases = { http: newPhase(), core: newPhase(), raw: newPhase(), minimal: newPhase(), parts: newPhase() };
          // Each round's CPU per refresh over HTTP against the parts' in the same round.
          const pairs: number[] = [];
          const rounds = sizes.smoke ? 3 : ROUNDS;
          for (let r = 0; r < rounds; r++) {
            const seconds = sizes.seconds / rounds;
            const http = () => round(phases.http, c, seconds, devices.step, server.cpu);
            const together = () => round(phases.parts, c, seconds, partsDevices.step, parts.cpu);
            const httpFirst = r % 2 === 0;
            const first = await (httpFirst ? http() : together());
            const second = await (httpFirst ? together() : http());
            pairs.push(httpFirst ? first / second : second / first);
            await round(phases.core, c, seconds, inProcess);
            await round(phases.raw, c, seconds, (w) => raw.rotate(ids[w]!));
            await round(phases.minimal, c, seconds / 2, minimalDevices.step, minimal.cpu);
          }
          const rate = (p: Phase) => p.ops / p.seconds;
          const cpu = (p: Phase) => p.cpu / Math.max(1, p.ops);
          const base = rate(phases.raw);
          const latency = (p: Phase) => ({ p50: percentile(p.latencies, 0.5), p99: percentile(p.latencies, 0.99) });
          const summed = cpu(phases.raw) + sign + cpu(phases.minimal);
          rows.push({ section: 'refresh', name: `${target.name} raw transaction, c=${c}`, value: base, unit: 'rotations/s', ...latency(phases.raw), cpu: cpu(phases.raw) });
          rows.push({
            section: 'refresh',
            name: `${target.name} minimal Fastify route, same body, c=${c}`,
            value: rate(phases.minimal),
            unit: 'req/s',
            ...latency(phases.minimal),
            cpu: cpu(phases.minimal),
            note: `the HTTP part of a refresh alone (form body parsed, the same answer's bytes); one ES256 signature (KeyRing.sign) costs ${sign.toFixed(1)} µs of CPU in a loop`,
          });
          rows.push({
            section: 'refresh',
            name: `${target.name} parts put together: minimal route + raw transaction + ES256 signature, c=${c}`,
            value: rate(phases.parts),
            unit: 'req/s',
            ...latency(phases.parts),
            cpu: cpu(phases.parts),
            cpuBaseline: summed,
            note: 'the minimal route running the raw rotation transaction and one KeyRing.sign per request, in its own server process; raw CPU = the same three parts measured each alone (raw transaction and signature in tight loops)',
          });
          rows.push({
            section: 'refresh',
            name: `${target.name} Auth.refresh in-process, c=${c}`,
            value: rate(phases.core),
            unit: 'rotations/s',
            baseline: base,
            ratio: rate(phases.core) / base,
            ...latency(phases.core),
            cpu: cpu(phases.core),
            cpuBaseline: cpu(phases.raw) + sign,
            note: 'latchkey\'s refresh without HTTP: token MAC, store reads and the rotation, ES256 access token; raw CPU = raw transaction + one signature',
          });
          const ratio = rate(phases.http) / base;
          rows.push({
            section: 'refresh',
            name: `${target.name} POST /oauth/token, c=${c}`,
            value: rate(phases.http),
            unit: 'rotations/s',
            baseline: base,
            ratio,
            ...latency(phases.http),
            cpu: cpu(phases.http),
            cpuBaseline: cpu(phases.parts),
            goal: `>= ${target.goal}x raw tx`,
            met: judge(ratio, target.goal),
          });
          const cpuRatio = median(pairs);
          rows.push({
            section: 'refresh',
            name: `${target.name} server CPU per refresh over HTTP vs its parts put together, c=${c}`,
            value: cpu(phases.http),
            unit: 'µs/refresh',
            baseline: cpu(phases.parts),
            ratio: cpuRatio,
            cpu: cpu(phases.http),
            cpuBaseline: cpu(phases.parts),
            goal: '<= 1.5x parts',
            met: judge(cpuRatio, 1.5, '<='),
            note: `parts = the minimal Fastify route running the raw rotation transaction and one ES256 signature per request, each server in its own process, the same client and requests; the ratio is the median of ${pairs.length} rounds' ratios, each round timing the two side by side (all rounds' CPU together: ${(cpu(phases.http) / cpu(phases.parts)).toFixed(2)}x)`,
          });
          rows.push({
            section: 'refresh',
            name: `${target.name} server CPU per refresh over HTTP vs its parts each alone, c=${c}`,
            value: cpu(phases.http),
            unit: 'µs/refresh',
            baseline: summed,
            ratio: cpu(phases.http) / summed,
            cpu: cpu(phases.http),
            cpuBaseline: summed,
            goal: '<= 1.5x parts',
            met: judge(cpu(phases.http) / summed, 1.5, '<='),
            note: 'parts each alone = raw rotation transaction (tight loop) + one ES256 signature (tight loop) + minimal Fastify route answering the same body: a floor no request path reaches, since a part run in a loop keeps its code and data in the CPU caches',
          });
        }
      } finally {
        devices.close();
        minimalDevices.close();
        partsDevices.close();
        await raw.close();
        await core.close();
        await server.close();
        await minimal.close();
        await parts.close();
      }
    } finally {
      await target.cleanup();
    }
  }
  return rows;
}

function newPhase(): Phase {
  return { ops: 0, seconds: 0, latencies: [], cpu: 0 };
}
