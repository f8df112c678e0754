import autocannon from 'autocannon';
import { startChild, type ServerChild } from './child.ts';
import { judge, median, warmSeconds, type Row, type Sizes } from './harness.ts';
import { benchKeyRing, mintTokens } from './keys.ts';

const ROUNDS = 3;
const GOAL = 0.85;

export interface Load {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU (user + system) per answered request, microseconds. */
  cpu: number;
}

/**
 * autocannon on loopback against `server`, cycling through `requests` on every connection; the
 * server process's CPU time is read before and after.
 */
export async function cannon(server: ServerChild, seconds: number, requests: autocannon.Request[], connections = 16): Promise<Load> {
  const cpu0 = await server.cpu();
  const result = await autocannon({ url: server.url, connections, pipelining: 1, duration: seconds, requests });
  const cpu1 = await server.cpu();
  return {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    cpu: (cpu1 - cpu0) / Math.max(1, result.requests.total),
  };
}

/**
 * Protected request benchmark (2): req/s of a Fastify route guarded by `fastifyBearer` of
 * latchkey/verify vs the same route unguarded. The server runs in a child process, autocannon in
 * this one (one core each); the guarded load spreads over `sizes.protectedTokens` distinct live tokens.
 */
export async function benchProtectedRequest(sizes: Sizes): Promise<Row[]> {
  const { ring, key } = await benchKeyRing('ES256');
  const tokens = mintTokens(ring, sizes.protectedTokens);
  const server = await startChild({ type: 'protected', jwk: key.jwk });
  try {
    // Both routes get the same bytes (the Authorization header too): the ratio is the cost of the guard.
    const requests = (path: string): autocannon.Request[] =>
      tokens.map((t) => ({ method: 'GET', path, headers: { authorization: `Bearer ${t}` } }));
    const open = requests('/open');
    const guarded = requests('/protected');
    const warm = warmSeconds(sizes);
    if (warm > 0) {
      await cannon(server, warm, open);
      await cannon(server, warm, guarded);
    }
    // Alternating rounds, medians: the load of a shared machine falls on both alike.
    const plainRounds: Load[] = [];
    const authRounds: Load[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      plainRounds.push(await cannon(server, sizes.seconds / ROUNDS, open));
      authRounds.push(await cannon(server, sizes.seconds / ROUNDS, guarded));
    }
    const errors = [...plainRounds, ...authRounds].reduce((n, l) => n + l.errors, 0);
    if (errors > 0) throw new Error(`protected request: ${errors} failed requests`);
    const pick = (loads: Load[]): Load => ({
      rate: median(loads.map((l) => l.rate)),
      p50: median(loads.map((l) => l.p50)),
      p99: median(loads.map((l) => l.p99)),
      errors: 0,
      cpu: median(loads.map((l) => l.cpu)),
    });
    const plain = pick(plainRounds);
    const auth = pick(authRounds);
    const ratio = auth.rate / plain.rate;
    return [
      { section: 'request', name: 'unguarded route', value: plain.rate, unit: 'req/s', p50: plain.p50, p99: plain.p99, cpu: plain.cpu },
      {
        section: 'request',
        name: `guarded route, ${tokens.length} tokens`,
        value: auth.rate,
        unit: 'req/s',
        baseline: plain.rate,
        ratio,
        p50: auth.p50,
        p99: auth.p99,
        cpu: auth.cpu,
        cpuBaseline: plain.cpu,
        goal: `>= ${GOAL}x unguarded`,
        met: judge(ratio, GOAL),
        note: `ES256 tokens, both routes sent the same Authorization headers; server in a child process, autocannon (16 connections) in the parent; ${ROUNDS} alternating rounds, medians`,
      },
    ];
  } finally {
    await server.close();
  }
}
