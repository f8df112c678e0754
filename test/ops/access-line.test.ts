import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { pinoShapedAccessLines, type AccessLine } from '../../src/http/access-log.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const withoutTime = (line: string) => line.replace(/^\{"level":30,"time":\d+,/, '{"level":30,"time":0,');

describe('the access line written without pino', () => {
  const cases: [string, AccessLine][] = [
    ['a matched route', { reqId: '0b7c1e52-8c1f-4f5e-9d7a-3c2b1a0f9e8d', method: 'GET', route: '/healthz', status: 200, responseTime: 0.41273 }],
    ['a route with a parameter', { reqId: 'edge-7f3a.b2:19', method: 'DELETE', route: '/auth/sessions/:id', status: 204, responseTime: 12 }],
    ['a request id JSON must escape', { reqId: 'id "quoted" \\ \u0007', method: 'GET', route: '/healthz', status: 200, responseTime: 3 }],
    ['no route: the URL, with what JSON must escape', { reqId: 'r1', method: 'GET', url: '/nowhere/"quoted"\\back\u2028é?token=[redacted]', status: 404, responseTime: 1.5e-7 }],
  ];

  it.each(cases)('is the line pino writes for the same fields: %s', (_name, fields) => {
    let fromPino = '';
    pino({ level: 'info' }, { write: (text: string) => (fromPino += text) }).info(fields, 'request completed');
    let ours = '';
    pinoShapedAccessLines((text) => (ours += text))(fields);
    expect(withoutTime(ours)).toBe(withoutTime(fromPino));
    expect(JSON.parse(ours).time).toBeCloseTo(Date.now(), -4);
  });

  it('names each line\'s own method and route, whatever lines one writer wrote before', () => {
    const sequence: AccessLine[] = [
      { reqId: 'a', method: 'GET', route: '/auth/sessions', status: 200, responseTime: 1 },
      { reqId: 'b', method: 'DELETE', route: '/auth/sessions', status: 204, responseTime: 2 },
      { reqId: 'c', method: 'GET', route: '/healthz', status: 200, responseTime: 3 },
      { reqId: 'd', method: 'GET', url: '/auth/sessions', status: 404, responseTime: 4 },
      { reqId: 'e', method: 'DELETE', route: '/auth/sessions', status: 204, responseTime: 5 },
      { reqId: 'f', method: 'GET', route: '/auth/sessions', status: 401, responseTime: 6 },
    ];
    const ours: string[] = [];
    const write = pinoShapedAccessLines((text) => ours.push(text));
    for (const fields of sequence) write(fields);
    const fromPino: string[] = [];
    const log = pino({ level: 'info' }, { write: (text: string) => fromPino.push(text) });
    for (const fields of sequence) log.info(fields, 'request completed');
    expect(ours.map(withoutTime)).toEqual(fromPino.map(withoutTime));
  });
});

describe('latchkey serve at the default log level', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-access-'));
  let served: ServeProcess | undefined;
  afterAll(async () => {
    served?.child.kill('SIGKILL');
    await served?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one access line per request on stdout: request id, method, route or URL, status and time', async () => {
    served = await startServe({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: 'http://latchkey.test' });
    const ok = await fetch(`${served.url}/healthz`);
    const missing = await fetch(`${served.url}/nowhere?refresh_token=secret-value`);
    const line = (res: Response) => served!.waitForLine((l) => l.reqId === res.headers.get('x-request-id') && l.msg === 'request completed', 10_000);
    expect(await line(ok)).toEqual({
      level: 30, time: expect.any(Number), pid: served.child.pid, hostname: os.hostname(),
      reqId: ok.headers.get('x-request-id'), method: 'GET', route: '/healthz', status: 200, responseTime: expect.any(Number), msg: 'request completed',
    });
    const notFound = await line(missing);
    expect(notFound).toMatchObject({ method: 'GET', status: 404 });
    expect(notFound.route).toBeUndefined();
    expect(notFound.url).toMatch(/^\/nowhere\?refresh_token=/);
    expect(notFound.url).not.toContain('secret-value');
    expect(served.lines.filter((l) => l.reqId === ok.headers.get('x-request-id'))).toHaveLength(1);
  });
});
