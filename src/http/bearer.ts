import type { FastifyRequest } from 'fastify';
import type { Auth } from '../core/auth.ts';
import { fail } from '../core/errors.ts';
import type { Session } from '../core/types.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';

export interface Caller {
  readonly claims: VerifiedClaims;
  readonly session: Session;
}

/** The `Authorization: Bearer` token of a request, or `undefined` when there is none. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Who is calling: the verified access token and its live session.
 * @throws invalid_token (the error handler adds `WWW-Authenticate: Bearer`, RFC 6750)
 */
export async function authenticate(
  request: FastifyRequest,
  verify: (token: string) => Promise<VerifiedClaims>,
  auth: Auth,
): Promise<Caller> {
  const token = bearerToken(request);
  if (!token) throw fail('invalid_token', 'An access token is required (Authorization: Bearer).');
  let claims: VerifiedClaims;
  try {
    claims = await verify(token);
  } catch {
    throw fail('invalid_token', 'The access token is invalid or expired.');
  }
  return { claims, session: await auth.liveSession(claims) };
}
