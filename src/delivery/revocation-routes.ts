import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { fail } from '../core/errors.ts';
import { compareCursors, formatCursor, parseCursor, START, type Cursor } from './cursor.ts';
import type { FeedKeys } from './feed-keys.ts';
import type { OutboxReader } from './outbox-reader.ts';
import { toRevocation, type Revocation, type RevocationHub } from './revocation-hub.ts';

export interface RevocationFeedOptions {
  readonly keys: FeedKeys;
  readonly reader: OutboxReader;
  readonly hub: RevocationHub;
  readonly clock: Clock;
}

const PAGE = 1000;

/** A revocation on the wire: times as ISO 8601. */
export function revocationJson(r: Revocation) {
  return { sid: r.sid, sub: r.sub, at: new Date(r.at).toISOString(), reason: r.reason, expiresAt: new Date(r.expiresAt).toISOString() };
}

/**
 * `GET /revocations`: the sessions ended since a cursor, for resource servers. JSON by default
 * (`?after=<cursor>`, pages of up to 1,000); Server-Sent Events with `Accept: text/event-stream`
 * (resumable with `Last-Event-ID`, a `heartbeat` event every `?heartbeat=` seconds, default 5).
 * Only revocations whose access tokens can still be valid are served (access TTL plus a minute of
 * skew). Needs `Authorization: Bearer <one of LATCHKEY_REVOCATION_KEYS>` (401 without); 404 when
 * no key is configured.
 */
export function revocationRoutes(o: RevocationFeedOptions): FastifyPluginAsync {
  const authorize = (request: FastifyRequest) => {
    if (!o.keys.enabled) throw fail('not_found', 'The revocation feed is off (LATCHKEY_REVOCATION_KEYS is not set).');
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (!o.keys.accepts(match?.[1])) throw fail('invalid_token', 'The revocation feed needs one of its keys (Authorization: Bearer).');
  };
  const cursorFrom = (text: string | undefined): Cursor => {
    if (text === undefined || text === '') return START;
    const cursor = parseCursor(text);
    if (!cursor) throw fail('invalid_request', 'The cursor is not one this feed gave out.');
    return cursor;
  };
  const page = async (after: Cursor) => {
    const since = o.clock.now() - o.hub.relevanceMs;
    const events = await o.reader.read(after, { revocationsOnly: true, since, limit: PAGE });
    const cursor = events.length > 0 ? events[events.length - 1]!.cursor : after;
    return { revocations: events.flatMap((e) => toRevocation(e, o.hub.relevanceMs) ?? []), cursor, more: events.length === PAGE };
  };

  const streams = new Set<() => void>();
  return async (app) => {
    // Open streams would hold app.close() until the shutdown timeout: end them first (followers reconnect elsewhere).
    app.addHook('preClose', async () => {
      for (const end of [...streams]) end();
    });
    app.get('/revocations', {
      schema: {
        summary: 'Revoked sessions since a cursor (JSON, or Server-Sent Events with Accept: text/event-stream); see docs/events.md',
        tags: ['Security events'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', maxLength: 40 }, heartbeat: { type: 'string', pattern: '^([1-9]|[1-5][0-9]|60)$' } },
        },
      },
    }, async (request, reply) => {
      authorize(request);
      const query = request.query as { after?: string; heartbeat?: string };
      reply.header('cache-control', 'no-store');
      if (!/\btext\/event-stream\b/.test(request.headers.accept ?? '')) {
        const result = await page(cursorFrom(query.after));
        return { revocations: result.revocations.map(revocationJson), cursor: formatCursor(result.cursor), more: result.more };
      }
      const lastEventId = request.headers['last-event-id'];
      const start = cursorFrom(typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : query.after);
      await stream(request, reply, start, Number(query.heartbeat ?? 5) * 1000);
    });
  };

  async function stream(request: FastifyRequest, reply: FastifyReply, start: Cursor, heartbeatMs: number): Promise<void> {
    let cursor = start;
    const pending: Revocation[] = [];
    let live = false;
    const raw = reply.raw;
    const send = (revocations: readonly Revocation[]) => {
      for (const r of revocations) {
        if (compareCursors(r.cursor, cursor) <= 0) continue;
        cursor = r.cursor;
        raw.write(`event: revocation\nid: ${formatCursor(r.cursor)}\ndata: ${JSON.stringify(revocationJson(r))}\n\n`);
      }
    };
    const heartbeat = () => {
      if (compareCursors(o.hub.cursor, cursor) > 0) cursor = o.hub.cursor;
      raw.write(`event: heartbeat\nid: ${formatCursor(cursor)}\ndata: ${JSON.stringify({ at: new Date(o.clock.now()).toISOString() })}\n\n`);
    };
    // Listen first, then catch up from the database: nothing falls between the two, and what both
    // deliver is sent once (cursors only grow).
    const unsubscribe = o.hub.subscribe((revocations) => (live ? send(revocations) : pending.push(...revocations)));
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.write('retry: 1000\n\n');
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      unsubscribe();
      clearInterval(timer);
      streams.delete(end);
    };
    const end = () => {
      done();
      raw.end();
    };
    streams.add(end);
    request.raw.on('close', done);
    raw.on('error', done);
    try {
      for (;;) {
        const result = await page(cursor);
        send(result.revocations);
        if (compareCursors(result.cursor, cursor) > 0) cursor = result.cursor;
        if (!result.more) break;
      }
      live = true;
      send(pending.splice(0));
      heartbeat();
      timer = setInterval(heartbeat, heartbeatMs);
    } catch (err) {
      request.log.warn({ err }, 'revocation stream failed');
      end();
    }
  }
}
