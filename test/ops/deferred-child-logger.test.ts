import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { deferredChildLogger } from '../../src/http/deferred-child-logger.ts';
import { LOG_REDACTIONS } from '../../src/http/app.ts';

/** A real pino logger at `level` with latchkey's redaction, its lines parsed, and a count of the children made. */
function logger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } }, stream);
  let children = 0;
  const child = log.child.bind(log);
  log.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof log.child;
  return { log, lines, children: () => children };
}

describe("a request's deferred logger", () => {
  it('makes no child for a request that logs nothing, or only lines its level drops', () => {
    const { log, lines, children } = logger('info');
    const quiet = deferredChildLogger(log, { reqId: 'r1' }, {});
    const dropping = deferredChildLogger(log, { reqId: 'r2' }, {});
    dropping.debug({ detail: 1 }, 'dropped');
    dropping.trace('dropped too');
    expect(quiet.level).toBe('info');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes a line the level keeps through a child bound to the request, redacted like any other', () => {
    const { log, lines, children } = logger('info');
    const request = deferredChildLogger(log, { reqId: 'r3' }, {});
    request.warn({ password: 'hunter2', body: { refresh_token: 'secret' } }, 'first');
    request.error('second');
    expect(children()).toBe(1);
    expect(lines).toMatchObject([
      { level: 40, reqId: 'r3', msg: 'first', password: '[redacted]', body: '[redacted]' },
      { level: 50, reqId: 'r3', msg: 'second' },
    ]);
  });

  it('gives a route with a log level of its own its child at once, at that level', () => {
    const { log, lines } = logger('info');
    const request = deferredChildLogger(log, { reqId: 'r4' }, { level: 'silent' });
    request.error('never written');
    expect(request.level).toBe('silent');
    expect(lines).toEqual([]);
  });
});
