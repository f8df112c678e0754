import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash, type Algorithm } from '@node-rs/argon2';
import { OWASP_ARGON2ID, type Argon2Cost } from '../src/core/passwords.ts';
import { benchServerEnv, startChild } from './child.ts';
import { closedLoop, judge, percentile, processCpu, warmSeconds, type Row, type Sizes } from './harness.ts';
import { LoopbackClient } from './http-client.ts';
import { BENCH_UA } from './seed.ts';

const ARGON2ID = 2 as Algorithm;
/** The smoke run's cost: the harness is what it checks, not the hashing. */
const SMOKE_COST: Argon2Cost = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
/** Logins in flight: more than the server hashes at once (one per core), so its queue is never empty. */
const CLIENTS = 8;
/** Accounts the logins spread over (each login adds a session to its account). */
const USERS = 16;

/** The raw @node-rs/argon2 hash rate at `cost`, with `inFlight` hashes running at once. */
/** The raw hash rate and the CPU (this process, all threads) per hash, microseconds. */
async function rawArgon2(cost: Argon2Cost, seconds: number, inFlight: number): Promise<{ rate: number; cpu: number }> {
  const cpu0 = processCpu();
  const run = await closedLoop(inFlight, seconds, async () => {
    await hash('correct horse battery staple', { algorithm: ARGON2ID, ...cost });
  });
  return { rate: run.rate, cpu: (processCpu() - cpu0) / Math.max(1, run.ops) };
}

/**
 * Login benchmark (4): logins/s through `POST /auth/login` at the configured argon2id cost (OWASP's
 * 19 MiB, t=2, p=1) vs the raw argon2id hash rate of this machine, and the server's event-loop
 * delay (monitorEventLoopDelay, in the server process) and `/healthz` latency while logins run flat out.
 */
export async function benchLogin(sizes: Sizes): Promise<Row[]> {
  const cost = sizes.smoke ? SMOKE_COST : OWASP_ARGON2ID;
  // The server hashes one password per core at once (PasswordHasher); the raw rate runs as many.
  const inFlight = os.availableParallelism();
  // The machine is shared: the raw rate is measured before and after the logins, and the higher one is the limit.
  const rawBefore = await rawArgon2(cost, sizes.seconds / 2, inFlight);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const server = await startChild({
    type: 'latchkey',
    env: benchServerEnv({ LATCHKEY_DATA_DIR: dir }),
    argon2: cost,
  });
  const client = new LoopbackClient(server.url, CLIENTS + 1);
  try {
    const json = { 'content-type': 'application/json', 'user-agent': BENCH_UA };
    const credentials = Array.from({ length: USERS }, (_, i) =>
      JSON.stringify({ email: `bench-${i}@example.com`, password: 'correct-horse-battery-staple-9173' }),
    );
    for (const body of credentials) {
      const registered = await client.request('POST', '/auth/register', json, body);
      if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${registered.body}`);
    }

    let refused = 0;
    let n = 0;
    const login = async () => {
      const res = await client.request('POST', '/auth/login', json, credentials[n++ % USERS]!);
      if (res.status === 429) refused++;
      else if (res.status !== 200) throw new Error(`login answered ${res.status}: ${res.body}`);
    };
    await closedLoop(CLIENTS, warmSeconds(sizes), login); // warm-up
    await server.send({ type: 'eld-start' });
    let probing = true;
    const probes: number[] = [];
    const probe = (async () => {
      while (probing) {
        const t0 = performance.now();
        await client.request('GET', '/healthz', {});
        probes.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const cpu0 = await server.cpu();
    const logins = await closedLoop(CLIENTS, sizes.seconds, login);
    const loginCpu = ((await server.cpu()) - cpu0) / Math.max(1, logins.ops + probes.length);
    probing = false;
    await probe;
    const eld = await server.send<{ p50: number; p99: number; max: number }>({ type: 'eld-stop' });
    if (refused > 0) throw new Error(`${refused} logins were throttled (429): the figure would not be the hashing rate`);

    client.close();
    await server.close();
    const rawAfter = await rawArgon2(cost, sizes.seconds / 2, inFlight);
    const raw = Math.max(rawBefore.rate, rawAfter.rate);
    const rawCpu = Math.min(rawBefore.cpu, rawAfter.cpu);
    const ratio = logins.rate / raw;
    const costText = `argon2id m=${cost.memoryCost} KiB, t=${cost.timeCost}, p=${cost.parallelism}`;
    return [
      { section: 'login', name: `raw @node-rs/argon2 hash, ${inFlight} in flight`, value: raw, unit: 'hashes/s', cpu: rawCpu, note: `${costText}; the better of a run before and one after the logins` },
      {
        section: 'login',
        name: `POST /auth/login, ${CLIENTS} clients, ${USERS} accounts`,
        value: logins.rate,
        unit: 'logins/s',
        baseline: raw,
        ratio,
        p50: percentile(logins.latencies, 0.5),
        p99: percentile(logins.latencies, 0.99),
        cpu: loginCpu,
        cpuBaseline: rawCpu,
        goal: '>= 0.9x raw hash',
        met: judge(ratio, 0.9),
        note: `${costText}; server CPU per login counts the hashing threads (the few /healthz probes are counted as operations too)`,
      },
      {
        section: 'login',
        name: 'server event-loop delay during logins',
        value: eld.p99,
        unit: 'ms (p99)',
        p50: eld.p50,
        p99: eld.p99,
        goal: '< 20 ms',
        met: judge(eld.p99, 20, '<='),
      },
      {
        section: 'login',
        name: 'GET /healthz latency during logins',
        value: percentile(probes, 0.99),
        unit: 'ms (p99)',
        p50: percentile(probes, 0.5),
        p99: percentile(probes, 0.99),
      },
    ];
  } finally {
    client.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
