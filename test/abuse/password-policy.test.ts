import { dictionary } from '@zxcvbn-ts/language-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProblem } from '../../src/core/password-policy.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, signedIn, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('password policy', () => {
  it('refuses the most common passwords in any letter case, with a message that helps', () => {
    for (const common of ['password', 'Password', 'PASSWORD1', 'qwertyuiop', 'iloveyou', '12345678', 'Trustno1', 'baseball']) {
      const problem = passwordProblem(common, 'someone@example.com');
      expect(problem, common).toMatch(/most common passwords/);
      expect(problem).toMatch(/Choose another/);
    }
  });

  it('uses the maintained list: every long-enough entry of it is refused', () => {
    const list = dictionary['passwords-common'].filter((p) => [...p].length >= 8);
    expect(list.length).toBeGreaterThan(10_000);
    for (const entry of list.filter((_, i) => i % 97 === 0)) expect(passwordProblem(entry, 'x@example.com'), entry).toBeDefined();
  });

  it('refuses a password that contains the e-mail local part (3+ chars, any case, also without +tag)', () => {
    expect(passwordProblem('my Ann.Lee secret', 'ann.lee@example.com')).toMatch(/e-mail address/);
    expect(passwordProblem('ANNLEE-forever-2026', 'annlee@example.com')).toMatch(/e-mail address/);
    expect(passwordProblem('zed loves cats!', 'zed+news@example.com')).toMatch(/e-mail address/);
    // Two-character local parts occur in too many good passwords to refuse them.
    expect(passwordProblem('all quiet on the western front', 'al@example.com')).toBeUndefined();
    expect(passwordProblem('violet kettle hums at dawn', 'ann.lee@example.com')).toBeUndefined();
  });

  it('keeps the length rules', () => {
    expect(passwordProblem('seven77', 'a@example.com')).toMatch(/at least 8/);
    expect(passwordProblem('€'.repeat(342), 'a@example.com')).toMatch(/at most 1024 bytes/);
    expect(passwordProblem('ﬃﬃﬃﬃ', 'a@example.com')).toBeUndefined(); // NFKC: 4 ligatures are 12 characters
  });

  describe('over HTTP', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(() => server.close());

    it('sign-up and password change answer 400 weak_password and store nothing', async () => {
      const email = uniqueEmail('weak');
      const client = new BrowserClient(server.url);
      const res = await client.register(email, 'Sunshine1');
      expectError(res, 400, 'weak_password');
      expect(res.body.error_description).toMatch(/most common/);
      expectError(await client.register(email, `${email.split('@')[0]}-is-me`), 400, 'weak_password');
      expectError(await client.login(email, 'Sunshine1'), 401, 'invalid_credentials');

      const { client: me, email: mine } = await signedIn(server.url);
      expectError(await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'iloveyou1' }), 400, 'weak_password');
      expectError(await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: `new ${mine.split('@')[0]!.toUpperCase()} pass` }), 400, 'weak_password');
      expect((await new BrowserClient(server.url).login(mine, PASSWORD)).status).toBe(200);
    });
  });
});
