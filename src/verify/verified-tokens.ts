import type { VerifiedClaims } from './token-verifier.ts';

/** A verified token as the cache keeps it. */
export interface Verified {
  readonly token: string;
  readonly claims: VerifiedClaims;
  /** The `checkRevision` at which `check` last let it pass (-1: never). */
  checked: number;
}

/**
 * The verified-token cache of a token verifier: at most `size` tokens, the oldest out first.
 *
 * Keyed by a 30-bit hash of the signature's last six characters (32 bits the issuer's key chose: the
 * last character holds 2), each entry holding the whole text, which must be equal for a hit: a
 * request's header is a new string every time, and V8 hashes a string key on every lookup, where a
 * small integer is its own hash and needs no slice of the token (1.5-2 µs less per fresh token on a
 * slow machine). Two tokens of one key are rare (about one pair among 46,000 tokens); the later one
 * then takes the place, and the earlier is verified again if it comes back.
 *
 * The order of arrival is kept in a ring of `size` slots, so that dropping the oldest entry of a
 * full cache costs the same whatever came before: a `Map`'s own iterator, asked for its first
 * entry, walks past every entry deleted before it, which made each fresh token of a busy verifier
 * cost more than its check.
 *
 * @example
 * const cache = new VerifiedTokens(10_000)
 * const entry = cache.get(token) ?? cache.add(token, claims)
 */
export class VerifiedTokens {
  readonly #entries = new Map<number, Verified>();
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

/** FNV-1a over the token's last six characters (its signature's), cut to 30 bits: a small integer, a V8 Smi. */
function keyOf(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = token.length - 6; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash >>> 2;
}
