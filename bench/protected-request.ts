import autocannon from 'autocannon';
import { startChild, type ServerChild } from './child.ts';
import { judge, warmSeconds, type Row, type Sizes } from './harness.ts';
import { benchKeyRing, mintTokens } from './keys.ts';

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
    const plain = await cannon(server, sizes.seconds, open);
    const auth = await cannon(server, sizes.seconds, guarded);
    if (plain.errors + auth.errors > 0) throw new Error(`protected request: ${plain.errors + auth.errors} failed requests`);
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
        goal: '>= 0.8x unguarded',
        met: judge(ratio, 0.8),
        note: 'ES256 tokens, both routes sent the same Authorization headers; server in a child process, autocannon (16 connections) in the parent',
      },
    ];
  } finally {
    await server.close();
  }
}
