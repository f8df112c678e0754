import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import { startApiServer, uniqueEmail } from '../helpers/http-auth.ts';

/** Every byte form in which a secret might sit in a file. */
function forms(secret: string): Buffer[] {
  const utf8 = Buffer.from(secret, 'utf8');
  return [utf8, Buffer.from(secret, 'utf16le'), Buffer.from(utf8.toString('hex')), Buffer.from(utf8.toString('base64'))];
}

/** The byte forms of a refresh token: as sent, decoded, and its MAC raw / hex / base64 / base64url. */
function tokenForms(token: string): Buffer[] {
  const raw = Buffer.from(token, 'base64url');
  const mac = raw.subarray(raw.length - 32);
  return [
    Buffer.from(token),
    raw,
    Buffer.from(raw.toString('hex')),
    Buffer.from(raw.toString('base64')),
    mac,
    Buffer.from(mac.toString('hex')),
    Buffer.from(mac.toString('hex').toUpperCase()),
    Buffer.from(mac.toString('base64url')),
    Buffer.from(mac.toString('base64')),
  ];
}

describe('what the SQLite file holds', () => {
  it('no refresh token (in any form) and no password after logins and refreshes', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const server = await startApiServer({}, { clock });
    const tokens: string[] = [];
    const passwords = ['Tr0ub4dor&3 is a horse', 'pässwörd mit ümläuten 🔑', 'plain password nine'];
    const emails: string[] = [];
    const sessionIds: string[] = [];
    try {
      for (const [i, password] of passwords.entries()) {
        const email = uniqueEmail('storage');
        emails.push(email);
        for (const ua of [FIREFOX_WINDOWS, SAFARI_IPHONE]) {
          const client = new BrowserClient(server.url, { 'user-agent': ua });
          if (ua === FIREFOX_WINDOWS) expect((await client.register(email, password)).status).toBe(201);
          const login = await client.login(email, password);
          expect(login.status).toBe(200);
          sessionIds.push(login.body.session_id);
          tokens.push(client.refreshCookie!);
          for (let n = 0; n < 4 + i; n++) {
            clock.advance(60);
            expect((await client.refresh()).status).toBe(200);
            tokens.push(client.refreshCookie!);
          }
        }
      }
      const changer = new BrowserClient(server.url);
      await changer.login(emails[0]!, passwords[0]!);
      tokens.push(changer.refreshCookie!);
      const newPassword = 'the replacement secret phrase';
      passwords.push(newPassword);
      expect((await changer.request('POST', '/auth/password', { currentPassword: passwords[0], newPassword })).status).toBe(204);

      expect(new Set(tokens).size).toBe(tokens.length);
      // Read while the server runs: fresh writes may still sit in the write-ahead log.
      const dir = server.latchkey.config.store.dataDir;
      const files = ['latchkey.db', 'latchkey.db-wal', 'latchkey.db-shm'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
      expect(files[0]).toBe(path.join(dir, 'latchkey.db'));
      const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));

      // Control: the data really is in what we read (so the absence checks below can fail).
      for (const email of emails) expect(bytes.includes(Buffer.from(email))).toBe(true);
      for (const id of sessionIds) expect(bytes.includes(Buffer.from(id))).toBe(true);

      // The server secret (which the refresh MAC key comes from) is not in the database either.
      const secret = fs.readFileSync(path.join(dir, 'secret'), 'utf8').trim();
      for (const form of [Buffer.from(secret), Buffer.from(secret, 'base64url')]) expect(bytes.includes(form)).toBe(false);

      for (const token of tokens) {
        for (const form of tokenForms(token)) expect(bytes.includes(form), `refresh token ${token.slice(0, 6)}… found`).toBe(false);
      }
      for (const password of passwords) {
        for (const form of forms(password)) expect(bytes.includes(form), 'a password was found').toBe(false);
      }
    } finally {
      await server.close();
    }
  });
});
