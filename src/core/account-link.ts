import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What an e-mailed link lets its holder do. */
export type LinkPurpose = 'verify_email' | 'password_reset' | 'email_change';

/** The server side of an e-mailed link. It holds a random nonce, never the link's token. */
export interface AccountLink {
  /** Also the id of the outbox message that carries the link. */
  readonly id: string;
  readonly userId: string;
  readonly purpose: LinkPurpose;
  /** 128 random bits (base64url), mixed into the token's MAC. */
  readonly nonce: string;
  /** The address the link was sent to (`email_change`: the new address). */
  readonly email: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When it was used or made obsolete (a newer link, a password change); `null` while usable. */
  readonly usedAt: number | null;
}

const VERSION = 1;
const ID_BYTES = 16;
const MAC_BYTES = 32;
const LENGTH = 1 + ID_BYTES + MAC_BYTES;

/**
 * The token inside an e-mailed link, built like a refresh token (core/refresh-token.ts):
 * `base64url(version | linkId | HMAC-SHA256(linkKey, nonce | purpose | version | linkId))`.
 * The database holds the link's id and random nonce, never the token: a copy of the database alone
 * can neither use a link nor forge one, and the purpose inside the MAC stops a verification link
 * from being used as a reset link. The same link always yields the same token, so a message sent
 * again after a failure carries the same link.
 */
export class LinkTokenCodec {
  constructor(private readonly key: Buffer) {}

  /** A fresh nonce (128 bits from the CSPRNG), base64url. */
  static newNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  issue(link: Pick<AccountLink, 'id' | 'nonce' | 'purpose'>): string {
    const head = encodeHead(link.id);
    return Buffer.concat([head, this.mac(head, link.nonce, link.purpose)]).toString('base64url');
  }

  /** The link id a token names, and its MAC; `undefined` for anything not shaped like one of ours. */
  parse(token: unknown): { readonly id: string; readonly mac: Buffer } | undefined {
    if (typeof token !== 'string' || token.length > 100 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== LENGTH || bytes[0] !== VERSION) return undefined;
    const hex = bytes.subarray(1, 1 + ID_BYTES).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { id, mac: bytes.subarray(1 + ID_BYTES) };
  }

  /** Constant-time check that `mac` was minted by this server for this link. */
  verify(mac: Buffer, link: Pick<AccountLink, 'id' | 'nonce' | 'purpose'>): boolean {
    return timingSafeEqual(this.mac(encodeHead(link.id), link.nonce, link.purpose), mac);
  }

  private mac(head: Buffer, nonce: string, purpose: LinkPurpose): Buffer {
    return createHmac('sha256', this.key).update(Buffer.from(nonce, 'base64url')).update(`${purpose}|`).update(head).digest();
  }
}

function encodeHead(id: string): Buffer {
  const head = Buffer.alloc(1 + ID_BYTES);
  head.writeUInt8(VERSION, 0);
  Buffer.from(id.replaceAll('-', ''), 'hex').copy(head, 1);
  return head;
}
