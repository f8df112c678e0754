import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskOutbox } from '../../src/mail/disk-outbox.ts';
import type { OutgoingMail } from '../../src/mail/transport.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-outbox-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const mail: OutgoingMail = {
  messageId: '<0b5e@auth.example.com>',
  from: 'latchkey <no-reply@auth.example.com>',
  to: 'ann@example.com',
  subject: 'Reset your password',
  text: 'Open https://auth.example.com/account#reset=abc to choose a new password.',
  html: '<p>Open <a href="https://auth.example.com/account#reset=abc">the link</a>.</p>',
  link: 'https://auth.example.com/account#reset=abc',
  label: '2026-11-30T06-50-00Z-password_reset-0b5e',
};

describe('the on-disk outbox (the default with no SMTP server)', () => {
  it('writes one private .eml a mail client reads, and one log line that names the file and the link', async () => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const outbox = diskOutbox(path.join(dir, 'mail'), { info: (fields, message) => lines.push({ fields: fields as Record<string, unknown>, message }) });
    await outbox.send(mail);
    await outbox.send(mail); // a resend after a restart overwrites its own file

    const files = fs.readdirSync(path.join(dir, 'mail'));
    expect(files).toEqual([`${mail.label}.eml`]);
    const file = path.join(dir, 'mail', files[0]!);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const eml = fs.readFileSync(file, 'utf8');
    expect(eml).toContain('Message-ID: <0b5e@auth.example.com>');
    expect(eml).toContain('Subject: Reset your password');
    expect(eml).toContain('To: ann@example.com');
    expect(eml).toMatch(/multipart\/alternative/);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.fields).toMatchObject({ file, link: mail.link });
    expect(lines[0]!.message).toContain(mail.link);
  });
});
