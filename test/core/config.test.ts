import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('settings (loadConfig)', () => {
  it('has the contract\'s defaults', () => {
    const config = loadConfig({});
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.audience).toBe('http://localhost:3000');
    expect(config.session).toEqual({
      accessTtl: 900,
      idleTtl: 1_209_600,
      maxAge: 7_776_000,
      grace: 10,
      ipChange: 'log',
      uaChange: 'revoke',
      maxSessions: 0,
    });
    expect(config.signingAlg).toBe('ES256');
    expect(config.http.allowedOrigins).toEqual(['http://localhost:3000']);
    expect(config.http.trustProxy).toEqual([]);
    expect(config.http.cookieName).toBe('latchkey_refresh');
    expect(config.http.cookieSecure).toBe(false);
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(Object.isFrozen(config) && Object.isFrozen(config.session)).toBe(true);
  });

  it('derives issuer, audience, origins and Secure from the settings it depends on', () => {
    expect(loadConfig({ PORT: '8080' }).issuer).toBe('http://localhost:8080');
    const https = loadConfig({ LATCHKEY_ISSUER: 'https://auth.example.com/' });
    expect(https.issuer).toBe('https://auth.example.com');
    expect(https.http.cookieSecure).toBe(true);
    expect(https.http.allowedOrigins).toEqual(['https://auth.example.com']);
    expect(loadConfig({ LATCHKEY_COOKIE_SECURE: 'true' }).http.cookieSecure).toBe(true);
    expect(loadConfig({ LATCHKEY_AUDIENCE: 'api://orders' }).audience).toBe('api://orders');
    expect(loadConfig({ LATCHKEY_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443/' }).http.allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(loadConfig({ LATCHKEY_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
  });

  const bad: Array<[string, string]> = [
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['LATCHKEY_ISSUER', 'ftp://auth.example.com'],
    ['LATCHKEY_ISSUER', 'not a url'],
    ['LATCHKEY_ACCESS_TTL', '0'],
    ['LATCHKEY_ACCESS_TTL', '15m'],
    ['LATCHKEY_ACCESS_TTL', '-5'],
    ['LATCHKEY_REFRESH_IDLE_TTL', '1.5'],
    ['LATCHKEY_SESSION_MAX_AGE', 'forever'],
    ['LATCHKEY_REFRESH_GRACE', 'ten'],
    ['LATCHKEY_IP_CHANGE', 'block'],
    ['LATCHKEY_UA_CHANGE', 'allow'],
    ['LATCHKEY_MAX_SESSIONS', '-1'],
    ['LATCHKEY_KEY_ACTIVATION_DELAY', '30s'],
    ['LATCHKEY_DB_POOL_SIZE', '0'],
    ['LATCHKEY_SIGNING_ALG', 'HS256'],
    ['LATCHKEY_SIGNING_ALG', 'none'],
    ['LATCHKEY_COOKIE_SECURE', 'yes'],
    ['LATCHKEY_ALLOWED_ORIGINS', 'not-an-origin'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['LATCHKEY_SECRET', 'tooshort'],
    ['LATCHKEY_TRUST_PROXY', 'garbage'],
    ['LATCHKEY_TRUST_PROXY', 'loopback, 10.0.0.0/33'],
    ['LATCHKEY_TRUST_PROXY', '10.0.0.1/8/8'],
  ];
  it.each(bad)('%s=%s stops the start with a message naming the setting', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });

  it('accepts every documented value', () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256']) expect(loadConfig({ LATCHKEY_SIGNING_ALG: alg }).signingAlg).toBe(alg);
    for (const v of ['allow', 'log', 'revoke']) expect(loadConfig({ LATCHKEY_IP_CHANGE: v }).session.ipChange).toBe(v);
    for (const v of ['revoke', 'log']) expect(loadConfig({ LATCHKEY_UA_CHANGE: v }).session.uaChange).toBe(v);
    expect(loadConfig({ LATCHKEY_REFRESH_GRACE: '0' }).session.grace).toBe(0);
    const proxies = 'loopback, linklocal, uniquelocal, 10.0.0.1, 10.0.0.0/8, 192.168.0.0/255.255.0.0, ::1, fd00::/8';
    expect(loadConfig({ LATCHKEY_TRUST_PROXY: proxies }).http.trustProxy).toHaveLength(8);
  });
});
