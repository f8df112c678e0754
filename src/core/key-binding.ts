import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** The JWK members of each key type that RFC 7638 hashes into a thumbprint (our `kid`), in its order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/** The key type and curve each signing algorithm requires. */
const KEY_TYPE: Readonly<Record<string, { kty: string; crv?: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' },
};

/**
 * The public JWK to publish for a stored signing key, derived from its decrypted private key, never
 * read from the database: a row whose public JWK, `alg` or `kid` was changed by someone who can
 * write the database (but cannot seal a private key without the server secret) is refused, so no
 * one can publish a key of their own for resource servers to trust.
 *
 * @throws Error naming the key when the stored public JWK, the algorithm or the kid (the RFC 7638
 *   thumbprint) does not match the private key
 * @example
 * const jwk = publishedJwk({ kid, alg: 'ES256', publicJwk }, createPrivateKey(pem))
 */
export function publishedJwk(stored: { kid: string; alg: string; publicJwk: string }, privateKey: KeyObject): JWK {
  const derived = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string | undefined>;
  const expected = KEY_TYPE[stored.alg];
  const mismatch = (what: string) =>
    new Error(`signing key ${stored.kid}: the stored ${what} does not match the sealed private key; refusing to publish it`);
  if (!expected || derived.kty !== expected.kty || (expected.crv !== undefined && derived.crv !== expected.crv)) {
    throw mismatch(`algorithm (${stored.alg})`);
  }
  const members = THUMBPRINT_MEMBERS[derived.kty ?? ''] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, derived[m]])));
  if (createHash('sha256').update(canonical).digest('base64url') !== stored.kid) throw mismatch('key id');
  let publicJwk: Record<string, unknown>;
  try {
    publicJwk = JSON.parse(stored.publicJwk) as Record<string, unknown>;
  } catch {
    throw mismatch('public JWK');
  }
  if (members.some((m) => publicJwk[m] !== derived[m])) throw mismatch('public JWK');
  return { ...derived, kid: stored.kid, alg: stored.alg, use: 'sig' } as JWK;
}
