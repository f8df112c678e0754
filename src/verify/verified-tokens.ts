import type { VerifiedClaims } from './token-verifier.ts';

/** A verified token as the cache keeps it. */
export interface Verified {
  readonly token: string;
  readonly claims: VerifiedClaims;
  /** The `checkRevision` at which `check` last let it pass (-1: never). */
  checked: number;
}

/** A free slot of the key table (keys are 30-bit, never negative). */
const EMPTY = -1;

/**
 * The verified-token cache of a token verifier: at most `size` tokens, the oldest out first.
 *
 * Keyed by a 30-bit hash of the signature's last six characters (32 bits the issuer's key chose: the
 * last character holds 2), each entry holding the whole text, which must be equal for a hit: a
 * request's header is a new string every time, and V8 hashes a string key on every lookup, where a
 * small integer needs no slice of the token. Two tokens of one key are rare (about one pair among
 * 46,000 tokens); the later one then takes the place, and the earlier is verified again if it comes
 * back.
 *
 * The keys sit in a table of their own, open addressing with linear probing over an `Int32Array` at
 * most half full: a fresh token's miss reads one slot, and dropping the oldest entry reads its key
 * from the ring instead of the entry and its token. Between two signature checks the processor's
 * caches hold little of the cache, so each scattered read is what costs; a `Map` of thousands of
 * entries walked a chain of about two per lookup (about 0.5 µs more per fresh token on a full cache).
 *
 * The order of arrival is kept in a ring of `size` slots, so that dropping the oldest entry of a
 * full cache costs the same whatever came before.
 *
 * @example
 * const cache = new VerifiedTokens(10_000)
 * const entry = cache.get(token) ?? cache.add(token, claims)
 */
export class VerifiedTokens {
  /** The key table: `#keys[i]` is the key of `#entries[i]`, or `EMPTY`; its length a power of two. */
  #keys = new Int32Array(64).fill(EMPTY);
  #entries: (Verified | undefined)[] = new Array(64).fill(undefined);
  /** 32 minus log2 of the table's length: a key's home slot is the top bits of its Fibonacci hash. */
  #shift = 26;
  #count = 0;
  /** Entries in order of arrival, and their keys; once full, `#oldest` is the slot the next one takes. */
  readonly #ring: Verified[] = [];
  readonly #ringKeys: number[] = [];
  #oldest = 0;
  /** Whole entries, at least 0 (a fraction rounds down; `Infinity` keeps every token). */
  readonly size: number;

  constructor(size: number) {
    this.size = size > 0 ? Math.floor(size) : 0;
  }

  /** The entry for exactly this token, if it is cached. */
  get(token: string): Verified | undefined {
    const entry = this.#entries[this.#find(keyOf(token))];
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  /** Caches a verified token (dropping the oldest when full) and returns its entry; with `size` 0, only the entry. */
  add(token: string, claims: VerifiedClaims): Verified {
    const entry: Verified = { token, claims, checked: -1 };
    if (this.size <= 0) return entry;
    const key = keyOf(token);
    if (this.#ring.length < this.size) {
      this.#ring.push(entry);
      this.#ringKeys.push(key);
    } else {
      this.#remove(this.#ringKeys[this.#oldest]!, this.#ring[this.#oldest]!);
      this.#ring[this.#oldest] = entry;
      this.#ringKeys[this.#oldest] = key;
      this.#oldest = (this.#oldest + 1) % this.size;
    }
    if (2 * (this.#count + 1) > this.#keys.length) this.#grow();
    const at = this.#find(key);
    if (this.#keys[at] === EMPTY) {
      this.#keys[at] = key;
      this.#count++;
    }
    this.#entries[at] = entry;
    return entry;
  }

  /** Drops `entry`, unless its token has been cached again since (then the newer entry stays). */
  forget(entry: Verified): void {
    this.#remove(keyOf(entry.token), entry);
  }

  /** The slot holding `key`, or the free slot where its probe ends. */
  #find(key: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let at = Math.imul(key, 0x9e3779b1) >>> this.#shift;
    while (keys[at] !== key && keys[at] !== EMPTY) at = (at + 1) & mask;
    return at;
  }

  /**
   * Empties the slot of `key` if it holds `entry`, then moves later keys of the same run back into
   * the hole when their home slot allows (deletion without markers), so that no probe stops early.
   */
  #remove(key: number, entry: Verified): void {
    const keys = this.#keys;
    const entries = this.#entries;
    const mask = keys.length - 1;
    let hole = this.#find(key);
    if (entries[hole] !== entry) return;
    for (let at = (hole + 1) & mask; keys[at] !== EMPTY; at = (at + 1) & mask) {
      const home = Math.imul(keys[at]!, 0x9e3779b1) >>> this.#shift;
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        keys[hole] = keys[at]!;
        entries[hole] = entries[at];
        hole = at;
      }
    }
    keys[hole] = EMPTY;
    entries[hole] = undefined;
    this.#count--;
  }

  /** Doubles the table, each key placed again. */
  #grow(): void {
    const keys = this.#keys;
    const entries = this.#entries;
    this.#keys = new Int32Array(keys.length * 2).fill(EMPTY);
    this.#entries = new Array(keys.length * 2).fill(undefined);
    this.#shift--;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      const at = this.#find(keys[i]!);
      this.#keys[at] = keys[i]!;
      this.#entries[at] = entries[i];
    }
  }
}

/** FNV-1a over the token's last six characters (its signature's), cut to 30 bits: a small integer, a V8 Smi. */
function keyOf(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = token.length - 6; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash >>> 2;
}
