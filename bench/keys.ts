import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock } from '../src/core/clock.ts';
import { KeyRing, type LoadedKey, type SigningAlg } from '../src/core/key-ring.ts';
import { ServerSecret } from '../src/core/server-secret.ts';
import type { KeyStore, StoredSigningKey } from '../src/core/store.ts';
import { createVerifier } from '../src/verify/index.ts';
import type { VerifiedClaims } from '../src/verify/token-verifier.ts';

export const ISSUER = 'http://latchkey.bench';
export const AUDIENCE = 'http://api.bench';

export type Verify = (token: string) => Promise<VerifiedClaims>;

/** A KeyStore in memory: the bench signs with latchkey's own KeyRing without a database. */
function memoryKeyStore(): KeyStore {
  let keys: StoredSigningKey[] = [];
  return {
    listSigningKeys: async () => [...keys].reverse(),
    addSigningKey: async (key) => {
      keys = keys.map((k) => (k.retiredAt === null ? { ...k, retiredAt: key.createdAt } : k)).concat(key);
    },
  };
}

/** latchkey's KeyRing with one fresh key of `alg`, signing exactly as the server does. */
export async function benchKeyRing(alg: SigningAlg): Promise<{ ring: KeyRing; key: LoadedKey }> {
  const ring = await KeyRing.open(memoryKeyStore(), new ServerSecret(randomBytes(32)), systemClock, { alg, accessTtl: 900 });
  return { ring, key: ring.signingKey() };
}

/**
 * `count` distinct live access tokens with the claims latchkey puts in them (src/core/token-issuer.ts):
 * user and session ids are UUIDs, `email_verified` is always there; no roles (most users have none).
 */
export function mintTokens(ring: KeyRing, count: number, ttlSeconds = 900): string[] {
  const iat = Math.floor(Date.now() / 1000);
  const users = Array.from({ length: Math.min(count, 997) }, () => randomUUID());
  return Array.from({ length: count }, (_, i) =>
    ring.sign({
      iss: ISSUER,
      sub: users[i % users.length],
      aud: AUDIENCE,
      iat,
      exp: iat + ttlSeconds,
      jti: randomUUID(),
      sid: randomUUID(),
      email_verified: true,
    }),
  );
}

/**
 * The verifier a resource server uses: `createVerifier` of `latchkey/verify`, its JWKS answered by
 * an injected `fetch` (no socket: the figure is the verify path, not the network). Each call
 * returns a new verifier, so a new, empty cache.
 */
export function benchVerifier(jwk: object, options: { cacheSize?: number } = {}): Verify {
  const body = JSON.stringify({ keys: [jwk] });
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'http://127.0.0.1:9/jwks.json',
    fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
    ...options,
  });
}
