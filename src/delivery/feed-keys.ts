import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The bearer keys that open the revocation feed (`LATCHKEY_REVOCATION_KEYS`). A presented key is
 * hashed and compared with every configured key's hash in constant time, so neither the time taken
 * nor an early exit tells an attacker how much of a key was right or which key matched.
 *
 * @example
 * const keys = new FeedKeys(['k1-…', 'k2-…'])
 * keys.accepts(presented) // true or false
 */
export class FeedKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** False when no key is configured: the feed is off. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  accepts(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const candidate = digest(presented);
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(candidate, known) || match;
    return match;
  }

  /** A stable, non-secret name for the receiver holding `key` (for RFC 8936 acknowledgements). */
  static receiverOf(key: string): string {
    return digest(key).subarray(0, 12).toString('base64url');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
