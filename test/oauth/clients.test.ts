import { describe, expect, it } from 'vitest';
import { clientSecretMatches, hashClientSecret, isValidClientId, newClientSecret, redirectUriMatches, redirectUriProblem } from '../../src/oauth/clients.ts';
import { verifierMatches } from '../../src/oauth/pkce.ts';
import { grantedScope } from '../../src/oauth/scopes.ts';

describe('redirect URIs: exact match, loopback any port (RFC 8252 §7.3)', () => {
  const web = { redirectUris: ['https://app.example/callback'] };
  const native = { redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'] };

  it.each([
    [web, 'https://app.example/callback', true],
    [web, 'https://app.example/callback/', false],
    [web, 'https://app.example/callback/x', false],
    [web, 'https://app.example/callback?x=1', false],
    [web, 'https://app.example:8443/callback', false],
    [web, 'https://APP.example/callback', false],
    [web, 'https://app.example/callback#frag', false],
    [web, 'http://app.example/callback', false],
    [native, 'http://127.0.0.1:53124/callback', true],
    [native, 'http://127.0.0.1/callback', true],
    [native, 'http://127.0.0.1:53124/callback/', false],
    [native, 'http://127.0.0.1:53124/other', false],
    [native, 'http://[::1]:53124/callback', false],
    [native, 'http://localhost:53124/callback', false],
    [native, 'http://127.0.0.1:53124@evil.example/callback', false],
    [native, 'com.example.app:/oauth', true],
    [native, 'com.example.app:/oauth2', false],
  ])('%o accepts %s: %s', (client, uri, ok) => {
    expect(redirectUriMatches(client, uri)).toBe(ok);
  });

  it('registration refuses what could leak a code: fragments, plain http off loopback, script schemes, custom schemes for servers', () => {
    expect(redirectUriProblem('https://app.example/cb', 'confidential')).toBeNull();
    expect(redirectUriProblem('http://127.0.0.1/cb', 'public')).toBeNull();
    expect(redirectUriProblem('com.example.app:/cb', 'public')).toBeNull();
    expect(redirectUriProblem('com.example.app:/cb', 'confidential')).toMatch(/public/);
    expect(redirectUriProblem('https://app.example/cb#x', 'public')).toMatch(/fragment/);
    expect(redirectUriProblem('http://app.example/cb', 'public')).toMatch(/loopback/);
    expect(redirectUriProblem('javascript:alert(1)', 'public')).toMatch(/not allowed/);
    expect(redirectUriProblem('data:text/html,x', 'public')).toMatch(/not allowed/);
    expect(redirectUriProblem('/relative', 'public')).toMatch(/absolute/);
  });
});

describe('client ids and secrets', () => {
  it('a secret is checked against its hash only; the hash is not the secret', () => {
    const { secret, hash } = newClientSecret();
    expect(hash).not.toContain(secret);
    expect(clientSecretMatches({ secretHash: hash }, secret)).toBe(true);
    expect(clientSecretMatches({ secretHash: hash }, `${secret}x`)).toBe(false);
    expect(clientSecretMatches({ secretHash: null }, secret)).toBe(false);
    expect(hashClientSecret(secret)).toBe(hash);
  });

  it('client ids are unreserved characters only (a colon would break Basic auth)', () => {
    expect(isValidClientId('grafana.prod-1')).toBe(true);
    expect(isValidClientId('a:b')).toBe(false);
    expect(isValidClientId('')).toBe(false);
  });
});

describe('PKCE S256 and scopes', () => {
  it('RFC 7636 appendix B: the example verifier matches its challenge; anything else does not', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(verifierMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(verifierMatches(`${verifier}x`, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
    expect(verifierMatches('short', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
    expect(verifierMatches(verifier, verifier)).toBe(false); // plain is never accepted
  });

  it('unknown scopes are ignored; the granted ones come in a fixed order', () => {
    expect(grantedScope('photos email openid')).toBe('openid email');
    expect(grantedScope('')).toBe('');
  });
});
