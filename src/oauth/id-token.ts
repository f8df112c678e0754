import { sign, verify } from 'node:crypto';
import type { KeyRing, LoadedKey } from '../core/key-ring.ts';
import type { User } from '../core/types.ts';
import { hasScope } from './scopes.ts';

/** What an id_token says (OpenID Connect Core §2). */
export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  /** The client the token is for: an id_token is never an access token (and has `typ: JWT`). */
  readonly aud: string;
  readonly exp: number;
  readonly iat: number;
  /** When the user last authenticated, seconds. */
  readonly auth_time: number;
  readonly nonce?: string;
  /** The session the code exchange started: RP-initiated logout ends it. */
  readonly sid: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
}

/**
 * The claims about the user a scope releases (OpenID Connect Core §5.4): `email` gives `email` and
 * `email_verified` (true once the address is verified), `profile` gives `name`.
 */
export function userClaims(user: User & { readonly emailVerifiedAt?: number | null }, scope: string): Pick<IdTokenClaims, 'email' | 'email_verified' | 'name'> {
  return {
    ...(hasScope(scope, 'email') && { email: user.email, email_verified: Boolean(user.emailVerifiedAt) }),
    ...(hasScope(scope, 'profile') && user.name !== null && { name: user.name }),
  };
}

/**
 * Signs an id_token with the server's current signing key (the keys of `/.well-known/jwks.json`),
 * through node:crypto like the access tokens, with `typ: JWT` so no resource server takes it for
 * an access token (those demand `at+jwt`).
 */
export function signIdToken(keys: KeyRing, claims: IdTokenClaims): string {
  const key = keys.signingKey();
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${signWith(key, input).toString('base64url')}`;
}

/**
 * The claims of an id_token this server signed, for `id_token_hint` (RP-initiated logout): the
 * signature and `iss` must hold; an expired token is accepted, as OpenID Connect RP-Initiated
 * Logout §2 allows. `undefined` for anything else.
 */
export async function readIdTokenHint(keys: KeyRing, issuer: string, token: string): Promise<IdTokenClaims | undefined> {
  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || !signature || extra !== undefined || token.length > 8192) return undefined;
  try {
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: unknown; alg?: unknown };
    const key = typeof kid === 'string' ? await keys.publicKey(kid) : undefined;
    if (!key || alg !== key.alg || !verifyWith(key, `${header}.${payload}`, Buffer.from(signature, 'base64url'))) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as IdTokenClaims;
    return claims.iss === issuer && typeof claims.sub === 'string' && typeof claims.aud === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

function signWith(key: LoadedKey, input: string): Buffer {
  return key.alg === 'EdDSA'
    ? sign(null, Buffer.from(input), key.privateKey)
    : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
}

function verifyWith(key: LoadedKey, input: string, signature: Buffer): boolean {
  return key.alg === 'EdDSA'
    ? verify(null, Buffer.from(input), key.publicKey, signature)
    : verify('sha256', Buffer.from(input), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}
