import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `public`: a native or browser app that cannot keep a secret (PKCE alone proves it); `confidential`: a server that can. */
export type ClientType = 'public' | 'confidential';

/** An application registered to sign users in through latchkey (`latchkey clients add`). */
export interface OAuthClient {
  readonly id: string;
  /** Shown to users: on the sign-in page and beside the device on the account page. */
  readonly name: string;
  readonly type: ClientType;
  /** SHA-256 (hex) of the secret of a confidential client; `null` for public clients. Never the secret. */
  readonly secretHash: string | null;
  /** Matched exactly (RFC 9700 §4.1.3), except the port of a loopback URI (RFC 8252 §7.3). */
  readonly redirectUris: readonly string[];
  /** Where RP-initiated logout may send the browser afterwards; matched exactly. */
  readonly postLogoutRedirectUris: readonly string[];
  /** The organisation's own apps: users are not asked to consent. */
  readonly firstParty: boolean;
  readonly createdAt: number;
}

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,100}$/;
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::\d{1,5})?([/?].*)?$/;
/** Schemes that run code or read local data in a browser: never a redirect target. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'ftp:', 'ws:', 'wss:']);

/** True for a client id latchkey accepts: 1 to 100 unreserved URI characters (no `:` that would break Basic auth). */
export function isValidClientId(id: string): boolean {
  return CLIENT_ID.test(id);
}

/** A new client id: 16 random bytes, base64url. */
export function newClientId(): string {
  return randomBytes(16).toString('base64url');
}

/** A new client secret (256 bits from the CSPRNG, base64url) and the hash the store keeps. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashClientSecret(secret) };
}

/** SHA-256 of a client secret, hex: the secret carries full entropy, so a fast hash is enough. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented secret against a confidential client's stored hash. */
export function clientSecretMatches(client: Pick<OAuthClient, 'secretHash'>, secret: string): boolean {
  if (client.secretHash === null) return false;
  const expected = Buffer.from(client.secretHash, 'hex');
  const actual = Buffer.from(hashClientSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Why `uri` cannot be registered as a redirect URI of a `type` client, or `null` when it can:
 * an absolute URI without fragment; `https`, `http` only on a loopback host (RFC 8252 §7.3), or a
 * private-use scheme such as `com.example.app:/callback` for public clients only (RFC 8252 §7.1).
 */
export function redirectUriProblem(uri: string, type: ClientType): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URI`;
  }
  if (uri.includes('#')) return `"${uri}" must not contain a fragment`;
  if (url.username || url.password) return `"${uri}" must not contain user information`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') return LOOPBACK.test(uri) ? null : `"${uri}": http is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https`;
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `"${uri}": the scheme ${url.protocol} is not allowed`;
  if (type !== 'public') return `"${uri}": custom schemes are for public (native) clients only`;
  return null;
}

/**
 * True when the `requested` redirect URI is one of the client's: the same string exactly, or, for a
 * registered loopback URI, the same string with any port (native apps listen on a port the OS picks,
 * RFC 8252 §7.3). Nothing is normalised: a path segment, a query parameter or a trailing slash of
 * difference is a different URI (RFC 9700 §4.1.3).
 */
export function redirectUriMatches(client: Pick<OAuthClient, 'redirectUris'>, requested: string): boolean {
  return client.redirectUris.some((registered) => registered === requested || sameLoopbackIgnoringPort(registered, requested));
}

function sameLoopbackIgnoringPort(registered: string, requested: string): boolean {
  const a = LOOPBACK.exec(registered);
  const b = LOOPBACK.exec(requested);
  return a !== null && b !== null && a[1] === b[1] && (a[2] ?? '') === (b[2] ?? '');
}
