import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { KeyRing } from '../../src/core/key-ring.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A database with one signing key, and a way to write its row as someone with write access would. */
async function keyedDatabase(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-binding-'));
  dirs.push(dir);
  const file = path.join(dir, 'latchkey.db');
  const secret = new ServerSecret(randomBytes(32));
  const store = await openSqliteStore(file);
  const ring = await KeyRing.open(store, secret, systemClock, { alg, accessTtl: 900 });
  const kid = ring.signingKey().kid;
  ring.close();
  await store.close();
  const tamper = (column: 'public_jwk' | 'alg', value: string) => {
    const db = new SQLite(file);
    db.prepare(`update signing_keys set ${column} = ? where kid = ?`).run(value, kid);
    db.close();
  };
  const reopen = async () => {
    const again = await openSqliteStore(file);
    try {
      const r = await KeyRing.open(again, secret, systemClock, { alg, accessTtl: 900 });
      r.close();
      return r;
    } finally {
      await again.close();
    }
  };
  return { kid, tamper, reopen };
}

// Finding: the JWKS served the stored public_jwk column while tokens were signed with the sealed
// private key, so whoever could write the database could publish a key of their own.
describe('the published key is the sealed key', () => {
  it('publishes the public half of the decrypted private key', async () => {
    const { kid, reopen } = await keyedDatabase();
    const ring = await reopen();
    const [jwk] = ring.jwks().keys;
    expect(jwk).toMatchObject({ kid, alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    const derived = ring.signingKey().publicKey.export({ format: 'jwk' });
    expect({ x: jwk?.x, y: jwk?.y }).toEqual({ x: derived.x, y: derived.y });
  });

  it('refuses to start when the stored public JWK is not the sealed key\'s', async () => {
    const { kid, tamper, reopen } = await keyedDatabase();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    tamper('public_jwk', JSON.stringify({ ...attacker, kid, alg: 'ES256', use: 'sig' }));
    await expect(reopen()).rejects.toThrow(`signing key ${kid}`);
  });

  it('refuses to start when the stored algorithm does not match the sealed key', async () => {
    const { tamper, reopen } = await keyedDatabase('EdDSA');
    tamper('alg', 'RS256');
    await expect(reopen()).rejects.toThrow(/does not match/);
  });
});
