import { createHmac, sign, type KeyObject } from 'node:crypto';
import type { LoadedKey } from '../../src/core/key-ring.ts';
import { ISSUER } from '../helpers/server.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims as latchkey issues them, at `nowMs`, for 15 minutes. */
export function claimsAt(nowMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return { iss: ISSUER, sub: 'user-1', aud: ISSUER, iat, exp: iat + 900, jti: 'jti-1', sid: 'session-1', ...extra };
}

/** A JWS over any header and claims, signed with `key` by node:crypto as its `alg` says. */
export function signJws(header: Record<string, unknown>, claims: Record<string, unknown>, key: { alg: string; privateKey: KeyObject }): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = key.alg === 'EdDSA'
    ? sign(null, Buffer.from(input), key.privateKey)
    : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A token signed by the server's current key with latchkey's header and the given claims. */
export function serverToken(key: LoadedKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return signJws({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }, claims, key);
}

/** The classic key-confusion attack: HS256 with the public key (PEM or JWK text) as the HMAC secret. */
export function hs256WithPublicKey(key: LoadedKey, claims: Record<string, unknown>, secret: string): string {
  const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token (`alg: none`), with or without the trailing dot. */
export function unsigned(kid: string, claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', kid, typ: 'at+jwt' })}.${b64(claims)}.`;
}
