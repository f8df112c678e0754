import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** An S256 challenge: base64url (no padding) of a SHA-256, always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** True for a well-formed S256 `code_challenge`. */
export function isS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

/**
 * RFC 7636 §4.6 with `S256`, the only method latchkey accepts (`plain` would let whoever sees the
 * authorization request redeem the code): `BASE64URL(SHA256(verifier)) == challenge`, compared in
 * constant time.
 *
 * @example
 * if (!verifierMatches(params.code_verifier, code.codeChallenge)) throw invalidGrant()
 */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
