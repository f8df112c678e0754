import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { ACCESS_TOKEN_ALGS, type AccessTokenAlg, type VerificationKey } from './token-verifier.ts';

/** The members of a JWK this module reads (RFC 7517/7518/8037). */
export interface PublicJwk {
  readonly kty?: unknown;
  readonly kid?: unknown;
  readonly alg?: unknown;
  readonly use?: unknown;
  readonly crv?: unknown;
  readonly x?: unknown;
  readonly y?: unknown;
  readonly n?: unknown;
  readonly e?: unknown;
}

/** Which key type (and curve) each pinned algorithm needs. */
const SHAPES: Readonly<Record<AccessTokenAlg, { kty: string; crv?: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' },
};

/**
 * Imports one JWK of a JWK Set as a node:crypto public key pinned to one algorithm, or returns
 * `undefined` for a key a latchkey verifier must never use: not for signatures, an algorithm other
 * than ES256/EdDSA/RS256, an `alg` that does not fit the key type or curve, an RSA modulus under
 * 2048 bits. Only the public members are read, so a JWK that wrongly carries `d` is still public.
 *
 * @example
 * const key = importVerificationKey({ kty: 'EC', crv: 'P-256', x, y, alg: 'ES256', kid })
 * if (key) verifyWith(key.alg, key.publicKey)
 */
export function importVerificationKey(jwk: PublicJwk): VerificationKey | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  const alg = jwk.alg === undefined ? inferAlg(jwk) : jwk.alg;
  if (!ACCESS_TOKEN_ALGS.includes(alg as AccessTokenAlg)) return undefined;
  const shape = SHAPES[alg as AccessTokenAlg];
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) return undefined;
  const members =
    shape.kty === 'RSA'
      ? { kty: 'RSA', n: jwk.n, e: jwk.e }
      : { kty: shape.kty, crv: shape.crv, x: jwk.x, ...(shape.kty === 'EC' && { y: jwk.y }) };
  if (Object.values(members).some((v) => typeof v !== 'string')) return undefined;
  try {
    const publicKey = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
    if (shape.kty === 'RSA' && (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined;
    return { alg: alg as AccessTokenAlg, publicKey };
  } catch {
    return undefined;
  }
}

function inferAlg(jwk: PublicJwk): AccessTokenAlg | undefined {
  return ACCESS_TOKEN_ALGS.find((alg) => SHAPES[alg].kty === jwk.kty && (SHAPES[alg].crv ?? jwk.crv) === jwk.crv);
}
