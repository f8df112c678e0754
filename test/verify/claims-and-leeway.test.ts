import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { createTokenVerifier } from '../../src/verify/token-verifier.ts';
import { createVerifier } from '../../src/verify/index.ts';
import { signedIn, startApiServer } from '../helpers/http-auth.ts';
import { ISSUER, type TestServer } from '../helpers/server.ts';
import { claimsAt, serverToken } from './tokens.ts';

describe('verified claims and clock tolerance', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    server = await startApiServer({}, { clock });
  });
  afterAll(() => server?.close());
  const key = () => server.latchkey.keys.signingKey();

  // Finding: the verifier's cache handed every request with the same token one mutable claims object.
  it('hands out deeply frozen claims, so one handler cannot change what the next request sees', async () => {
    const verify = createTokenVerifier({ issuer: ISSUER, audience: ISSUER, resolveKey: () => key(), now: () => clock.now() });
    const token = serverToken(key(), claimsAt(clock.now(), { roles: ['reader'] }));
    const first = await verify(token);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.roles)).toBe(true);
    expect(() => {
      (first as { sub: string }).sub = 'someone-else';
    }).toThrow(TypeError);
    expect(() => first.roles?.push('admin')).toThrow(TypeError);
    const second = await verify(token); // from the cache
    expect(second.sub).toBe('user-1');
    expect(second.roles).toEqual(['reader']);
  });

  // Finding: latchkey's own bearer endpoints accepted its tokens up to 5 s after `exp`.
  it("latchkey's own endpoints refuse an access token the moment it expires; resource servers keep 5 s", async () => {
    const { client } = await signedIn(server.url);
    const token = client.accessToken!;
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    clock.advance((exp * 1000 - 1000 - clock.now()) / 1000);
    expect((await client.request('GET', '/auth/me')).status).toBe(200);
    clock.advance(2);
    expect((await client.request('GET', '/auth/me')).status).toBe(401);
    const resourceServer = createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${server.url}/.well-known/jwks.json`, now: () => clock.now() });
    await expect(resourceServer(token)).resolves.toMatchObject({ exp });
  });
});
