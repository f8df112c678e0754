import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const REQUESTS = 200;

/** `n` trues and `n` falses in a seeded random order (mulberry32). */
function shuffled(n: number, seed: number): boolean[] {
  const order = [...Array<boolean>(n).fill(true), ...Array<boolean>(n).fill(false)];
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * `POST /auth/password/forgot` does the same work for every address (one outbox write) and answers
 * before anything that depends on the account; the account is looked up, the link made and the mail
 * sent later, by the outbox's sender (which keeps running here, against a real SMTP server).
 */
describe('forgot-password does not reveal which addresses have accounts', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let email: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await startApiServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '0', LATCHKEY_MAIL_REQUEST_IP_LIMIT: '0' });
    email = uniqueEmail('timed');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  it(`identical status, body and headers, and response-time medians within 10% over ${REQUESTS} requests each`, async () => {
    const client = new BrowserClient(server.url);
    const unknownEmail = uniqueEmail('nobody');
    const timed = async (address: string) => {
      const started = performance.now();
      const res = await client.request('POST', '/auth/password/forgot', { email: address });
      return { elapsed: performance.now() - started, res };
    };
    const shape = (res: Awaited<ReturnType<typeof timed>>['res']) => ({
      status: res.status,
      body: res.body,
      headers: [...res.headers.entries()].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
    });
    for (let i = 0; i < 20; i++) await timed(i % 2 ? email : unknownEmail); // warm up both paths

    // Noise on a shared machine can only widen the gap; a real difference shows in every round.
    const rounds: Array<{ known: number; unknown: number; ratio: number }> = [];
    for (let round = 0; round < 3; round++) {
      const known: number[] = [];
      const unknown: number[] = [];
      const reference = shape((await timed(email)).res);
      // Shuffled, so the sender's work for an earlier request (it runs beside the requests, in this
      // process) lands on both kinds alike; a fixed pattern would put it on one kind more often.
      for (const exists of shuffled(REQUESTS, round + 1)) {
        const { elapsed, res } = await timed(exists ? email : unknownEmail);
        expect(shape(res)).toEqual(reference);
        (exists ? known : unknown).push(elapsed);
      }
      const result = { known: median(known), unknown: median(unknown), ratio: median(unknown) / median(known) };
      rounds.push(result);
      if (process.env.TIMING_VERBOSE) console.info(result);
      if (Math.abs(result.ratio - 1) <= 0.1) break;
    }
    expect(Math.abs(rounds.at(-1)!.ratio - 1), JSON.stringify(rounds)).toBeLessThanOrEqual(0.1);
    expect(shape((await timed(email)).res).status).toBe(202);
    // The existing account did get its mail; the unknown address got none.
    await sink.waitFor(() => sink.to(email).filter((m) => m.subject === 'Reset your password').length > 0);
    expect(sink.to(unknownEmail)).toHaveLength(0);
  });
});
