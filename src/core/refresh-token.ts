import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const UUID_BYTES = 16;
const MAC_BYTES = 32;
const HEAD_BYTES = 1 + UUID_BYTES + 4;
const LENGTH = HEAD_BYTES + MAC_BYTES;

/** A refresh token taken apart. Only {@link RefreshTokenCodec.verify} says whether it is genuine. */
export interface ParsedRefreshToken {
  readonly sessionId: string;
  readonly counter: number;
  /** The bytes the MAC covers: version, session id, counter. */
  readonly head: Buffer;
  readonly mac: Buffer;
}

/**
 * Refresh tokens without a token table: `base64url(version | sessionId | counter | mac)` where
 * `mac = HMAC-SHA256(serverKey, nonce | sessionId | counter)`. The database holds the session's
 * counter and random nonce, never the token: without the server key nobody can compute a token,
 * and without the nonce (in the database) a leaked server key alone cannot forge one either.
 * The same (session, counter) always yields the same token, which is what lets a replay inside
 * the grace window receive the current token rather than start a second chain.
 */
export class RefreshTokenCodec {
  constructor(private readonly key: Buffer) {}

  /** A fresh per-session nonce (128 bits from the CSPRNG), base64url. */
  static newNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  issue(sessionId: string, nonce: string, counter: number): string {
    const token = Buffer.allocUnsafe(LENGTH); // every byte is written below
    token.writeUInt8(VERSION, 0);
    if (token.write(sessionId.replaceAll('-', ''), 1, UUID_BYTES, 'hex') !== UUID_BYTES) throw new TypeError('a session id is a UUID');
    token.writeUInt32BE(counter, 1 + UUID_BYTES);
    const head = token.subarray(0, HEAD_BYTES);
    this.mac(head, nonce).copy(token, HEAD_BYTES);
    return token.toString('base64url');
  }

  /** Takes a token apart; `undefined` for anything that is not shaped like one of ours. */
  parse(token: string): ParsedRefreshToken | undefined {
    if (typeof token !== 'string' || token.length > 128 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== LENGTH || bytes[0] !== VERSION) return undefined;
    const hex = bytes.subarray(1, 1 + UUID_BYTES).toString('hex');
    return {
      sessionId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      counter: bytes.readUInt32BE(1 + UUID_BYTES),
      head: bytes.subarray(0, HEAD_BYTES),
      mac: bytes.subarray(HEAD_BYTES),
    };
  }

  /** Constant-time check that the token was minted by this server for this session's nonce. */
  verify(token: ParsedRefreshToken, nonce: string): boolean {
    return timingSafeEqual(this.mac(token.head, nonce), token.mac);
  }

  private mac(head: Buffer, nonce: string): Buffer {
    return createHmac('sha256', this.key).update(Buffer.from(nonce, 'base64url')).update(head).digest();
  }
}
