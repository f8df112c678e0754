import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIL_KINDS } from '../../src/core/mail-message.ts';
import { MAIL_LOCALES, pickLocale } from '../../src/mail/locale.ts';
import { MailTemplates } from '../../src/mail/templates.ts';

const values = {
  email: 'ann@example.com',
  link: 'https://auth.example.com/account#reset=AbC',
  accountUrl: 'https://auth.example.com/account',
  device: 'Firefox on Windows',
  ip: '203.0.113.7',
  time: '1 March 2026 at 12:00 UTC',
  minutes: '30',
  hours: '24',
  newEmail: 'ann@new.example',
  oldEmail: 'ann@old.example',
};

describe('mail templates', () => {
  const templates = new MailTemplates();

  it.each(MAIL_LOCALES.flatMap((locale) => MAIL_KINDS.map((kind) => [locale, kind] as const)))('%s/%s renders text and HTML with every value filled', (locale, kind) => {
    const mail = templates.render(kind, locale, values, values.link);
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.subject).not.toMatch(/[\r\n]|\{\{/);
    expect(mail.text).not.toContain('{{');
    expect(mail.html).not.toContain('{{');
    expect(mail.html).toContain(`href="${values.link}"`); // the one clear action
    expect(mail.html).toContain(`lang="${locale}"`);
  });

  it('escapes values in the HTML and keeps subjects on one line', () => {
    const hostile = { ...values, newEmail: '<script>alert(1)</script>@x.example', device: 'Evil\r\nBcc: victim@example.com' };
    const mail = new MailTemplates().render('email_change_requested', 'en', hostile, values.accountUrl);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&#60;script&#62;');
    const alert = new MailTemplates().render('new_device', 'en', hostile, values.accountUrl);
    expect(alert.subject).not.toMatch(/[\r\n]/);
  });

  it('an operator file of the same name wins over the built-in one; the others stay', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-templates-'));
    try {
      fs.mkdirSync(path.join(dir, 'en'));
      fs.writeFileSync(path.join(dir, 'en', 'password_reset.txt'), 'Subject: Your ACME password\nAction: Pick a password\n\nHi from ACME. {{link}}\n');
      const custom = new MailTemplates(dir);
      const reset = custom.render('password_reset', 'en', values, values.link);
      expect(reset.subject).toBe('Your ACME password');
      expect(reset.text).toBe(`Hi from ACME. ${values.link}\n`);
      expect(reset.html).toContain('Pick a password');
      expect(custom.render('verify_email', 'en', values, values.link).subject).toBe('Confirm your e-mail address');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['ko-KR,ko;q=0.9,en-US;q=0.8', 'ko'],
    ['en-US,en;q=0.9,ko;q=0.8', 'en'],
    ['fr-FR,fr;q=0.9,ko;q=0.5', 'ko'],
    ['ko;q=0,en;q=0.1', 'en'],
    ['de, ja', 'en'],
    ['*', 'en'],
  ])('Accept-Language %j picks %s', (header, locale) => {
    expect(pickLocale(header)).toBe(locale);
  });
});
