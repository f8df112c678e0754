import { ROLE_NAME } from '../core/role-name.ts';
import type { VerifiedClaims } from './token-verifier.ts';

export interface RequireRoleOptions {
  /** The `realm` of the `WWW-Authenticate` challenge; default `"api"`. */
  readonly realm?: string;
}

/** What a refused request gets: status, headers and the standard error body. */
export interface RoleRefusal {
  readonly status: 401 | 403;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: 'invalid_token' | 'insufficient_scope'; readonly error_description: string };
}

/** True when the verified claims carry `role` in their `roles` claim. */
export function hasRole(claims: Pick<VerifiedClaims, 'roles'> | undefined, role: string): boolean {
  return Array.isArray(claims?.roles) && claims.roles.includes(role);
}

/**
 * Why `claims` may not pass a `role` guard, or `undefined` when they may: no claims at all (the
 * bearer guard did not run) is `401 invalid_token`; claims without the role are
 * `403 insufficient_scope` with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1).
 */
export function roleRefusal(claims: Pick<VerifiedClaims, 'roles'> | undefined, role: string, options: RequireRoleOptions = {}): RoleRefusal | undefined {
  const realm = (options.realm ?? 'api').replace(/["\\]/g, '');
  if (!claims) {
    const description = 'An access token is required (Authorization: Bearer).';
    return {
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="${realm}"`, 'cache-control': 'no-store' },
      body: { error: 'invalid_token', error_description: description },
    };
  }
  if (hasRole(claims, role)) return undefined;
  const description = `This requires the role "${role}".`;
  return {
    status: 403,
    headers: {
      'www-authenticate': `Bearer realm="${realm}", error="insufficient_scope", error_description="${description.replaceAll('"', "'")}"`,
      'cache-control': 'no-store',
    },
    body: { error: 'insufficient_scope', error_description: description },
  };
}

/** The parts of a Fastify request/reply or an Express req/res that the guard touches. */
interface GuardRequest {
  latchkey?: VerifiedClaims;
}
interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  type(contentType: string): FastifyLikeReply;
  send(body: unknown): unknown;
}
interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(values: Record<string, string>): ExpressLikeResponse;
  json(body: unknown): unknown;
}

/**
 * A guard that lets a request through only when its access token carries `role` in its `roles`
 * claim. Put it after latchkey's bearer guard, which sets `request.latchkey`: the same function
 * works as a Fastify hook (`onRequest`/`preHandler`, callback style) and as an Express middleware.
 * Without the role: `403 {"error":"insufficient_scope"}` with
 * `WWW-Authenticate: Bearer error="insufficient_scope"`. Roles change in latchkey with
 * `latchkey users roles <email> add|remove <role>` and reach tokens issued from then on.
 *
 * @throws TypeError at construction when `role` is not a valid role name
 * @example
 * import { createVerifier, fastifyBearer, expressBearer, requireRole } from 'latchkey/verify'
 * const verify = createVerifier({ issuer, audience })
 * // Fastify
 * app.delete('/orders/:id', { onRequest: [fastifyBearer(verify), requireRole('orders:admin')] }, handler)
 * // Express
 * app.delete('/orders/:id', expressBearer(verify), requireRole('orders:admin'), handler)
 */
export function requireRole(role: string, options: RequireRoleOptions = {}) {
  if (typeof role !== 'string' || !ROLE_NAME.test(role)) {
    throw new TypeError(`requireRole needs a role name (a lower-case letter, then up to 63 of a-z 0-9 : _ -), not ${JSON.stringify(role)}`);
  }
  return function latchkeyRequireRole(request: GuardRequest, reply: FastifyLikeReply | ExpressLikeResponse, next: () => void): void {
    const refusal = roleRefusal(request.latchkey, role, options);
    if (!refusal) {
      next();
      return;
    }
    if ('json' in reply && typeof reply.json === 'function') {
      (reply as ExpressLikeResponse).status(refusal.status).set(refusal.headers).json(refusal.body);
    } else {
      (reply as FastifyLikeReply).code(refusal.status).headers(refusal.headers).type('application/json; charset=utf-8').send(refusal.body);
    }
  };
}
