import { verify as cryptoVerify } from 'node:crypto';
import type { VerificationKey, VerifiedClaims } from './token-verifier.ts';

/**
 * The fast path of the token verifier (token-verifier.ts) for a fresh token under a known, plain
 * header: one node:crypto call for the signature and one parse of the payload, checking what
 * fast-jwt would check; anything it does not accept goes to fast-jwt, which names the reason.
 */

/** The claims every latchkey access token carries. */
export const REQUIRED = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'sid'];

/** One node:crypto verification of a compact JWS's signature with one key (the algorithm pinned to it). */
export interface SignatureCheck {
  verify(signingInput: Buffer, signature: Buffer): boolean;
  /** The length of every signature of this key, base64url without padding: where the last dot must be. */
  readonly chars: number;
  /** The length of every signature of this key in bytes. */
  readonly bytes: number;
}

export function signatureCheck(key: VerificationKey): SignatureCheck {
  const publicKey = key.publicKey;
  if (key.alg === 'EdDSA') return { chars: 86, bytes: 64, verify: (input, signature) => cryptoVerify(null, input, publicKey, signature) };
  if (key.alg === 'ES256') {
    const ec = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
    return { chars: 86, bytes: 64, verify: (input, signature) => cryptoVerify('sha256', input, ec, signature) };
  }
  // RS256 (PKCS#1 v1.5): a signature is as long as the modulus.
  const bytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  return { chars: Math.ceil((bytes * 4) / 3), bytes, verify: (input, signature) => cryptoVerify('sha256', input, publicKey, signature) };
}

/**
 * Whether the signature segment (after `last`) is canonical base64url, as fast-jwt requires, without
 * a scan by regular expression. Node's decoder skips characters outside base64 and base64url, so a
 * segment of the key's length that decodes to the key's number of bytes has none of them; it also
 * reads the plain base64 `+` and `/`, which are looked for. (The header and payload need no such
 * check: the signature covers their exact text.)
 */
function canonical(token: string, last: number, signature: Buffer, check: SignatureCheck): boolean {
  return signature.length === check.bytes && token.indexOf('+', last) === -1 && token.indexOf('/', last) === -1;
}

/**
 * The fast path of a fresh token whose header is known and plain: the signature (one node:crypto
 * call, the same check fast-jwt makes), then the payload and the claims fast-jwt would check
 * (`iss`, `aud`, the required ones). Returns the claims only when every check passes; `undefined`
 * otherwise, and the caller lets fast-jwt verify the token, to refuse it with the precise reason.
 */
export function verifyPlain(token: string, dot: number, check: SignatureCheck, issuer: string, audience: string): VerifiedClaims | undefined {
  const last = token.length - check.chars - 1; // the signature's length is the key's: no search for the last dot
  if (last <= dot || token.charCodeAt(last) !== 46 /* . */) return undefined;
  try {
    const signature = Buffer.from(token.slice(last + 1), 'base64url');
    if (!canonical(token, last, signature, check) || !check.verify(Buffer.from(token.slice(0, last)), signature)) return undefined;
    const payload: unknown = JSON.parse(Buffer.from(token.slice(dot + 1, last), 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    for (const claim of REQUIRED) if (!(claim in payload)) return undefined;
    const { iss, aud } = payload as { iss: unknown; aud: unknown };
    if (iss !== issuer) return undefined;
    if (aud !== audience && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string') && aud.includes(audience))) return undefined;
    return payload as VerifiedClaims;
  } catch {
    return undefined;
  }
}
