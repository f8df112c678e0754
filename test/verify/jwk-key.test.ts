import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importVerificationKey } from '../../src/verify/index.ts';

const jwkOf = (type: 'ec' | 'ed25519' | 'rsa', options: { namedCurve?: string; modulusLength?: number } = {}): JsonWebKey => {
  const pair =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: options.namedCurve ?? 'P-256' })
    : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 })
    : generateKeyPairSync('ed25519');
  return pair.publicKey.export({ format: 'jwk' });
};

describe('importVerificationKey: which JWKs a verifier may use', () => {
  it.each([
    ['ES256', jwkOf('ec')],
    ['EdDSA', jwkOf('ed25519')],
    ['RS256', jwkOf('rsa')],
  ])('%s: imported as a node:crypto public key pinned to that alg', (alg, jwk) => {
    const key = importVerificationKey({ ...jwk, alg, kid: 'k', use: 'sig' });
    expect(key?.alg).toBe(alg);
    expect(key?.publicKey.type).toBe('public');
  });

  it('without alg, the alg follows from kty and crv', () => {
    expect(importVerificationKey(jwkOf('ec'))?.alg).toBe('ES256');
    expect(importVerificationKey(jwkOf('ed25519'))?.alg).toBe('EdDSA');
    expect(importVerificationKey(jwkOf('rsa'))?.alg).toBe('RS256');
  });

  it.each([
    ['alg that does not fit the key type (ES256 on an RSA key)', { ...jwkOf('rsa'), alg: 'ES256' }],
    ['alg that does not fit the curve (ES256 on P-384)', { ...jwkOf('ec', { namedCurve: 'P-384' }), alg: 'ES256' }],
    ['a curve we do not pin (P-384, no alg)', jwkOf('ec', { namedCurve: 'P-384' })],
    ['an HMAC key', { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }],
    ['alg none', { ...jwkOf('ec'), alg: 'none' }],
    ['PS256 (not one of ES256, EdDSA, RS256)', { ...jwkOf('rsa'), alg: 'PS256' }],
    ['an encryption key', { ...jwkOf('ec'), use: 'enc' }],
    ['an RSA modulus under 2048 bits', { ...jwkOf('rsa', { modulusLength: 1024 }), alg: 'RS256' }],
    ['missing coordinates', { kty: 'EC', crv: 'P-256', x: 'abc', alg: 'ES256' }],
    ['garbage coordinates', { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', alg: 'ES256' }],
  ])('refuses %s', (_name, jwk) => {
    expect(importVerificationKey(jwk)).toBeUndefined();
  });

  it('a JWK that wrongly carries the private part still yields only the public key', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect(importVerificationKey({ ...jwk, alg: 'ES256' })?.publicKey.type).toBe('public');
  });
});
