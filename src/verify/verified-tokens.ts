import type { VerifiedClaims } from './token-verifier.ts';

/** A verified token as the cache keeps it. */
export interface Verified {
  readonly token: string;
  readonly claims: VerifiedClaims;
  /** The `checkRevision` at which `check` last let it pass (-1: never). */
  checked: number;
}

/** The cache's key: this many characters from the end of the token (its signature). */
const KEY_CHARS = 16;

/**
 * The verified-token cache of a token verifier: at most `size` tokens, the oldest out first.
 *
 * Keyed by the signature's last 16 characters (96 bits the issuer's key chose), each entry holding
 * the whole text, which must be equal for a hit: a request's header is a new string every time, and
 * V8 hashes a key on every lookup, so a short key is cheaper than the whole token. The order of
 * arrival is kept in a ring of `size` slots, so that dropping the oldest entry of a full cache costs
 * the same whatever came before: a `Map`'s own iterator, asked for its first entry, walks past every
 * entry deleted before it, which made each fresh token of a busy verifier cost more than its check.
 *
 * @example
 * const cache = new VerifiedTokens(10_000)
 * const entry = cache.get(token) ?? cache.add(token, claims)
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, Verified>();
  /** Entries in order of arrival; once full, `#oldest` is the slot the next one takes. */
  readonly #ring: Verified[] = [];
  #oldest = 0;
  /** Whole entries, at least 0 (a fraction rounds down; `Infinity` keeps every token). */
  readonly size: number;

  constructor(size: number) {
    this.size = size > 0 ? Math.floor(size) : 0;
  }

  /** The entry for exactly this token, if it is cached. */
  get(token: string): Verified | undefined {
    const entry = this.#entries.get(keyOf(token));
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  /** Caches a verified token (dropping the oldest when full) and returns its entry; with `size` 0, only the entry. */
  add(token: string, claims: VerifiedClaims): Verified {
    const entry: Verified = { token, claims, checked: -1 };
    if (this.size <= 0) return entry;
    if (this.#ring.length < this.size) {
      this.#ring.push(entry);
    } else {
      this.forget(this.#ring[this.#oldest]!);
      this.#ring[this.#oldest] = entry;
      this.#oldest = (this.#oldest + 1) % this.size;
    }
    this.#entries.set(keyOf(token), entry);
    return entry;
  }

  /** Drops `entry`, unless its token has been cached again since (then the newer entry stays). */
  forget(entry: Verified): void {
    const key = keyOf(entry.token);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }
}

function keyOf(token: string): string {
  return token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token;
}
