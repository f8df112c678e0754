import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, VerifyError, type Verifier, type VerifyErrorCode } from '../../src/verify/index.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { ISSUER, startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';
import { postForm } from '../oauth/form.ts';
import { claimsAt, hs256WithPublicKey, serverToken, signJws, unsigned } from './tokens.ts';

async function rejection(promise: Promise<unknown>): Promise<VerifyErrorCode> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerifyError);
  return (err as VerifyError).code;
}

describe('latchkey/verify createVerifier against a running latchkey', () => {
  let server: TestServer;
  let jwksUri: string;
  let fetches = 0;
  const countingFetch: typeof fetch = (input, init) => {
    fetches++;
    return fetch(input, init);
  };
  let t = Date.now();
  const now = () => t;
  const verifier = (extra: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier =>
    createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri, fetch: countingFetch, now, ...extra });

  beforeAll(async () => {
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_KEY_ACTIVATION_DELAY: '0' }); // a rotated key signs at once
    jwksUri = `${server.url}/.well-known/jwks.json`;
  });
  afterAll(() => server.close());
  const key = () => server.latchkey.keys.signingKey();

  async function realToken(): Promise<string> {
    const email = uniqueEmail('verify');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    const res = await postForm(`${server.url}/oauth/token`, { grant_type: 'password', username: email, password: PASSWORD });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }

  it('accepts a token from /oauth/token and returns its claims', async () => {
    t = Date.now();
    const token = await realToken();
    const claims = await verifier()(token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: ISSUER, sub: expect.any(String), sid: expect.any(String), jti: expect.any(String) });
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('takes the JWKS from <issuer>/.well-known/jwks.json unless told otherwise', async () => {
    const verify = createVerifier({ issuer: server.url, audience: ISSUER, now });
    await expect(verify(serverToken(key(), claimsAt(t, { iss: server.url })))).resolves.toMatchObject({ iss: server.url });
  });

  describe('attacks and bad tokens are refused with a stable code', () => {
    const cases: [string, () => string, VerifyErrorCode][] = [
      ['alg: none', () => unsigned(key().kid, claimsAt(t)), 'invalid_algorithm'],
      ['HS256 signed with the public key (PEM)', () => hs256WithPublicKey(key(), claimsAt(t), key().publicKey.export({ type: 'spki', format: 'pem' }).toString()), 'invalid_algorithm'],
      ['HS256 signed with the public key (JWK)', () => hs256WithPublicKey(key(), claimsAt(t), JSON.stringify(key().jwk)), 'invalid_algorithm'],
      ['another asymmetric alg than the key is pinned to', () => signJws({ alg: 'RS256', kid: key().kid, typ: 'at+jwt' }, claimsAt(t), { alg: 'RS256', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }), 'invalid_algorithm'],
      ['typ JWT (an ID token or another JWT)', () => serverToken(key(), claimsAt(t), { typ: 'JWT' }), 'invalid_type'],
      ['no typ', () => serverToken(key(), claimsAt(t), { typ: undefined }), 'invalid_type'],
      ['another issuer', () => serverToken(key(), claimsAt(t, { iss: 'https://evil.example' })), 'invalid_issuer'],
      ['another audience', () => serverToken(key(), claimsAt(t, { aud: 'https://other-api.example' })), 'invalid_audience'],
      ['expired', () => serverToken(key(), claimsAt(t - 3600_000)), 'expired'],
      ['not valid before a future nbf', () => serverToken(key(), claimsAt(t, { nbf: Math.floor(t / 1000) + 120 })), 'not_yet_valid'],
      ['issued in the future', () => serverToken(key(), claimsAt(t + 120_000)), 'not_yet_valid'],
      ['no sid', () => serverToken(key(), claimsAt(t, { sid: undefined })), 'missing_claim'],
      ['an unknown kid', () => signJws({ alg: 'ES256', kid: 'made-up-kid', typ: 'at+jwt' }, claimsAt(t), { alg: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }), 'unknown_kid'],
      ['no kid', () => serverToken(key(), claimsAt(t), { kid: undefined }), 'unknown_kid'],
      ['a tampered payload', () => {
        const [h, , s] = serverToken(key(), claimsAt(t)).split('.');
        return `${h}.${Buffer.from(JSON.stringify(claimsAt(t, { sub: 'admin' }))).toString('base64url')}.${s}`;
      }, 'invalid_signature'],
      ['a tampered signature', () => {
        const token = serverToken(key(), claimsAt(t));
        const last = token.at(-2) === 'A' ? 'B' : 'A';
        return `${token.slice(0, -2)}${last}${token.at(-1)}`;
      }, 'invalid_signature'],
      ['a signature by another key under our kid', () => signJws({ alg: 'ES256', kid: key().kid, typ: 'at+jwt' }, claimsAt(t), { alg: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }), 'invalid_signature'],
      ['an empty string', () => '', 'malformed'],
      ['one segment', () => 'abc', 'malformed'],
      ['three garbage segments', () => 'a.b.c', 'malformed'],
      ['a header that is not JSON', () => `${Buffer.from('{alg:').toString('base64url')}.e30.sig`, 'malformed'],
      ['a huge token', () => `${'a'.repeat(10_000)}.b.c`, 'malformed'],
    ];
    it.each(cases)('%s', async (_name, make, code) => {
      t = Date.now();
      expect(await rejection(verifier()(make()))).toBe(code);
    });

    it('a tampered payload under the signature of a token the verifier has cached', async () => {
      t = Date.now();
      const verify = verifier();
      const genuine = serverToken(key(), claimsAt(t));
      await expect(verify(genuine)).resolves.toMatchObject({ sub: claimsAt(t).sub });
      const [h, , s] = genuine.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify(claimsAt(t, { sub: 'admin' }))).toString('base64url')}.${s}`;
      expect(await rejection(verify(forged))).toBe('invalid_signature');
      await expect(verify(genuine)).resolves.toMatchObject({ sub: claimsAt(t).sub }); // still cached and good
    });

    it('a genuine signature written in plain base64 (+ and / for - and _) is refused, though it decodes to the same bytes', async () => {
      t = Date.now();
      const verify = verifier();
      let token = serverToken(key(), claimsAt(t));
      for (let i = 0; !/[-_]/.test(token.slice(token.lastIndexOf('.') + 1)); i++) token = serverToken(key(), claimsAt(t, { jti: `jti-${i}` }));
      const last = token.lastIndexOf('.');
      const plainBase64 = `${token.slice(0, last)}.${token.slice(last + 1).replace(/-/g, '+').replace(/_/g, '/')}`;
      expect(Buffer.from(plainBase64.slice(last + 1), 'base64url')).toEqual(Buffer.from(token.slice(last + 1), 'base64url'));
      expect(['malformed', 'invalid_signature']).toContain(await rejection(verify(plainBase64)));
      await expect(verify(token)).resolves.toMatchObject({ sub: claimsAt(t).sub }); // the canonical text passes
      expect(['malformed', 'invalid_signature']).toContain(await rejection(verify(plainBase64))); // caching it lets no variant in
    });

    it('a non-string token', async () => {
      expect(await rejection(verifier()(42 as unknown as string))).toBe('malformed');
    });
  });

  it('exp is checked at the injected clock, with a small tolerance (5 s)', async () => {
    t = Date.now();
    const token = await realToken();
    const { exp } = await verifier()(token);
    t = exp * 1000 + 4_000;
    await expect(verifier()(token)).resolves.toBeDefined();
    t = exp * 1000 + 6_000;
    expect(await rejection(verifier()(token))).toBe('expired');
  });

  it('picks up a key rotation on the server: a verifier holding the old JWKS refetches on the new kid (once per 10 s)', async () => {
    t = Date.now();
    const verify = verifier();
    const before = await realToken();
    await verify(before);
    const fetched = fetches;
    await server.latchkey.keys.rotate();
    const after = await realToken();
    const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    expect(kidOf(after)).not.toBe(kidOf(before));

    t += 1_000; // within the cooldown: no second fetch, the new kid is still unknown
    expect(await rejection(verify(after))).toBe('unknown_kid');
    expect(fetches).toBe(fetched);

    t += 10_000; // cooldown over: one fetch, the new key is known, the retired one still verifies
    await expect(verify(after)).resolves.toMatchObject({ iss: ISSUER });
    await expect(verify(before)).resolves.toMatchObject({ iss: ISSUER });
    expect(fetches).toBe(fetched + 1);
  });

  it('tokens with made-up kids cost at most one JWKS fetch per cooldown, and concurrent lookups share it', async () => {
    t = Date.now();
    const verify = verifier();
    await verify(serverToken(key(), claimsAt(t)));
    const fetched = fetches;
    const forged = (kid: string) => signJws({ alg: 'ES256', kid, typ: 'at+jwt' }, claimsAt(t), key());
    const first = await Promise.all(Array.from({ length: 30 }, () => rejection(verify(forged(randomUUID())))));
    expect(new Set(first)).toEqual(new Set(['unknown_kid']));
    expect(fetches).toBe(fetched); // the set was fetched just now: within the cooldown
    t += 11_000;
    const second = await Promise.all(Array.from({ length: 30 }, () => rejection(verify(forged(randomUUID())))));
    expect(new Set(second)).toEqual(new Set(['unknown_kid']));
    expect(fetches).toBe(fetched + 1); // thirty unknown kids, one shared fetch
  });

  it('an unreachable JWKS is jwks_unavailable (a server problem), not a verdict on the token', async () => {
    t = Date.now();
    const missing = verifier({ jwksUri: `${server.url}/no-such-jwks.json` });
    expect(await rejection(missing(serverToken(key(), claimsAt(t))))).toBe('jwks_unavailable');
    const notJson = verifier({ jwksUri: `${server.url}/healthz` });
    expect(await rejection(notJson(serverToken(key(), claimsAt(t))))).toBe('jwks_unavailable');
  });

  it('keeps verifying with the keys it has when a later refetch fails', async () => {
    t = Date.now();
    let up = true;
    const flaky: typeof fetch = (input, init) => (up ? fetch(input, init) : Promise.reject(new TypeError('fetch failed')));
    const verify = verifier({ fetch: flaky });
    const token = serverToken(key(), claimsAt(t));
    await verify(token);
    up = false;
    t += 601_000; // the cached set is stale: a refetch is tried, fails, and the known key stays in use
    await expect(verify(serverToken(key(), claimsAt(t)))).resolves.toBeDefined();
  });

  it('checks its options when built, naming the bad one', () => {
    expect(() => createVerifier({ audience: ISSUER } as never)).toThrow(/issuer/);
    expect(() => createVerifier({ issuer: ISSUER } as never)).toThrow(/audience/);
    expect(() => createVerifier({ issuer: 'not a url', audience: 'x' })).toThrow(/jwksUri/);
    expect(() => createVerifier({ issuer: ISSUER, audience: ISSUER, clockTolerance: -1 })).toThrow(/clockTolerance/);
    expect(() => createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: 'file:///etc/passwd' })).toThrow(/jwksUri/);
  });
});

describe.each(['EdDSA', 'RS256'] as const)('a latchkey signing with %s', (alg) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_SIGNING_ALG: alg });
  });
  afterAll(() => server.close());

  it('its tokens verify, and ES256 under its kid does not', async () => {
    const verify = createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${server.url}/.well-known/jwks.json` });
    const key = server.latchkey.keys.signingKey();
    expect(key.alg).toBe(alg);
    await expect(verify(serverToken(key, claimsAt(Date.now())))).resolves.toMatchObject({ sub: 'user-1' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const confused = signJws({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }, claimsAt(Date.now()), { alg: 'ES256', privateKey: ec });
    expect(await rejection(verify(confused))).toBe('invalid_algorithm');
  });
});
