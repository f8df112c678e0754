import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The secret kept outside the database. Every key latchkey derives from it has one purpose:
 * `refreshMacKey` signs refresh tokens, `seal`/`open` encrypt signing keys at rest (AES-256-GCM).
 */
export class ServerSecret {
  readonly refreshMacKey: Buffer;
  /** Keys the known-device cookie that exempts an owner's browser from the per-account slow-down. */
  readonly knownDeviceKey: Buffer;
  /** Signs the tokens of e-mailed links (core/account-link.ts). */
  readonly linkMacKey: Buffer;
  readonly #sealKey: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the server secret must be at least 32 bytes');
    this.refreshMacKey = derive(secret, 'latchkey refresh-token mac v1');
    this.linkMacKey = derive(secret, 'latchkey account-link mac v1');
    this.#sealKey = derive(secret, 'latchkey key sealing v1');
    this.knownDeviceKey = derive(secret, 'latchkey known-device cookie v1');
  }

  /** Encrypts `plaintext`, bound to `context` (e.g. a key id), as `v1.<iv>.<ciphertext>.<tag>` in base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Reverses {@link seal}; throws when the box was sealed under another secret or tampered with. */
  open(sealed: string, context: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !body || !tag) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(context))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function derive(secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
}
