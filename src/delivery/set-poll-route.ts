import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { fail } from '../core/errors.ts';
import { FeedKeys } from './feed-keys.ts';
import type { OutboxReader } from './outbox-reader.ts';
import { toRevocation, type RevocationHub } from './revocation-hub.ts';
import { CAEP_SESSION_REVOKED, sessionRevokedSet } from './security-event-token.ts';
import type { DeliveryDb } from './tables.ts';

export interface SetPollOptions {
  readonly db: DeliveryDb;
  readonly keys: FeedKeys;
  readonly reader: OutboxReader;
  readonly hub: RevocationHub;
  readonly clock: Clock;
  readonly issuer: string;
  readonly audience: string;
  /** Signs a SET with latchkey's current signing key (`typ: secevent+jwt`). */
  readonly sign: (claims: object) => string;
}

const LONG_POLL_MS = 20_000;

/**
 * The revocation feed as Security Event Tokens for OpenID Shared Signals receivers:
 * `POST /ssf/poll` is RFC 8936 poll delivery (`ack`, `setErrs`, `maxEvents`, `returnImmediately`;
 * answers `{sets: {jti: SET}, moreAvailable}`), and `/.well-known/ssf-configuration` the
 * transmitter metadata. Each key of `LATCHKEY_REVOCATION_KEYS` is one receiver with one implicit
 * stream: the SETs it has not acknowledged, among the revocations that still matter.
 */
export function setPollRoutes(o: SetPollOptions): FastifyPluginAsync {
  const base = o.issuer.replace(/\/+$/, '');
  const receiverOf = (request: FastifyRequest): string => {
    if (!o.keys.enabled) throw fail('not_found', 'Security event delivery is off (LATCHKEY_REVOCATION_KEYS is not set).');
    const key = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!o.keys.accepts(key)) throw fail('invalid_token', 'Polling needs one of the revocation feed keys (Authorization: Bearer).');
    return FeedKeys.receiverOf(key!);
  };
  const pending = async (receiver: string, max: number) => {
    const since = o.clock.now() - o.hub.relevanceMs;
    const events = await o.reader.read(undefined, { revocationsOnly: true, since, limit: 10_000 });
    const acked = new Set(
      (await o.db.selectFrom('set_acks').select('jti').where('receiver', '=', receiver).where('at', '>=', since - 3_600_000).execute()).map((r) => r.jti),
    );
    const open = events.filter((e) => !acked.has(e.id));
    const now = o.clock.now();
    const sets: Record<string, string> = {};
    for (const event of open.slice(0, max)) {
      const revocation = toRevocation(event, o.hub.relevanceMs);
      if (revocation) sets[event.id] = o.sign(sessionRevokedSet(revocation, event.id, { issuer: o.issuer, audience: o.audience, now }));
    }
    return { sets, moreAvailable: open.length > max };
  };

  return async (app) => {
    app.get('/.well-known/ssf-configuration', { schema: { summary: 'Shared Signals transmitter metadata', tags: ['Security events'] } }, async () => ({
      spec_version: '1_0',
      issuer: o.issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      delivery_methods_supported: ['urn:ietf:rfc:8936'],
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
      default_subjects: 'ALL',
      events_supported: [CAEP_SESSION_REVOKED],
    }));

    app.post('/ssf/poll', {
      schema: {
        summary: 'Security Event Tokens by RFC 8936 poll delivery (CAEP session-revoked)',
        tags: ['Security events'],
        body: {
          type: 'object',
          properties: {
            maxEvents: { type: 'integer', minimum: 0, maximum: 1000 },
            returnImmediately: { type: 'boolean' },
            ack: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 100 } },
            setErrs: { type: 'object', maxProperties: 1000 },
          },
        },
      },
    }, async (request, reply) => {
      const receiver = receiverOf(request);
      const body = (request.body ?? {}) as { maxEvents?: number; returnImmediately?: boolean; ack?: string[]; setErrs?: Record<string, unknown> };
      const done = [...(body.ack ?? []), ...Object.keys(body.setErrs ?? {})];
      if (done.length > 0) {
        const at = o.clock.now();
        await o.db.insertInto('set_acks').values(done.map((jti) => ({ receiver, jti, at }))).onConflict((oc) => oc.columns(['receiver', 'jti']).doNothing()).execute();
      }
      reply.header('cache-control', 'no-store');
      const max = body.maxEvents ?? 100;
      if (max === 0) return { sets: {}, moreAvailable: (await pending(receiver, 0)).moreAvailable };
      let result = await pending(receiver, max);
      if (Object.keys(result.sets).length === 0 && body.returnImmediately !== true) {
        // Long polling (RFC 8936 §2.4): answer when a revocation arrives, or after 20 s.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, LONG_POLL_MS);
          const stop = o.hub.subscribe(finish);
          request.raw.on('close', finish);
          function finish() {
            clearTimeout(timer);
            stop();
            resolve();
          }
        });
        result = await pending(receiver, max);
      }
      return result;
    });
  };
}
