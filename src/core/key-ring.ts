import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import type { Clock } from './clock.ts';
import type { ServerSecret } from './server-secret.ts';
import type { KeyStore, StoredSigningKey } from './store.ts';

export type SigningAlg = 'ES256' | 'EdDSA' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA', 'RS256'];

/** A signing key ready for use: node:crypto KeyObjects, imported once. */
export interface LoadedKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  /** base64url of `{"alg","kid","typ":"at+jwt"}`, computed once. */
  readonly encodedHeader: string;
}

export interface KeyRingOptions {
  /** Algorithm of keys this ring creates. */
  readonly alg: SigningAlg;
  /** Seconds a retired key stays published: every token it signed has expired by then. */
  readonly accessTtl: number;
  /** How often the ring re-reads the store, so a `keys rotate` reaches running servers (ms, default 5000). */
  readonly reloadEveryMs?: number;
  /**
   * Seconds a new key is published before it signs (default 0). Set it above the reload interval
   * plus the JWKS cache life, so that no verifier meets a token before the key that signed it.
   */
  readonly activationDelay?: number;
}

/**
 * The signing keys, shared by every instance through the store. The newest live key signs; retired
 * keys stay in the JWKS for `accessTtl` (plus a minute of clock skew) after retirement.
 *
 * @example
 * const ring = await KeyRing.open(store, secret, systemClock, { alg: 'ES256', accessTtl: 900 })
 * const jwt = ring.sign({ sub: user.id, ... })
 */
export class KeyRing {
  #keys: LoadedKey[] = [];
  #loadedAt = 0;
  #reloading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: KeyStore,
    private readonly secret: ServerSecret,
    private readonly clock: Clock,
    private readonly options: KeyRingOptions,
  ) {}

  /** Loads the ring, creating the first key when the store has none. */
  static async open(store: KeyStore, secret: ServerSecret, clock: Clock, options: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(store, secret, clock, options);
    await ring.reload();
    if (!ring.#keys.some((k) => k.retiredAt === null)) {
      // Another instance starting at the same moment may win the race to create the first key
      // (the store allows one live key); then we adopt its key.
      await ring.rotate().catch(async (err: unknown) => {
        await ring.reload();
        if (!ring.#keys.some((k) => k.retiredAt === null)) throw err;
      });
    }
    // Re-read on a timer, not on use: an instance idle for an hour must not sign its first token with
    // a key retired (and unpublished) meanwhile, nor serve an old JWKS.
    ring.#timer = setInterval(() => {
      ring.reloadOnce().catch(() => {
        // the store is unreachable: keep the keys we have; /readyz reports the outage
      });
    }, options.reloadEveryMs ?? 5000);
    ring.#timer.unref();
    return ring;
  }

  /** Stops re-reading the store. */
  close(): void {
    clearInterval(this.#timer);
  }

  /** Creates a new signing key and retires the others. Returns the new key id. */
  async rotate(alg: SigningAlg = this.options.alg): Promise<string> {
    const key = await generateKey(alg, this.clock.now());
    await this.store.addSigningKey({ ...key, privateKey: this.secret.seal(key.privateKey, key.kid) });
    await this.reload();
    return key.kid;
  }

  /** Re-reads the keys from the store now. */
  async reload(): Promise<void> {
    const stored = await this.store.listSigningKeys();
    const live = stored.filter((k) => this.isPublished(k));
    this.#keys = live.map((k) => this.#keys.find((loaded) => loaded.kid === k.kid && loaded.retiredAt === k.retiredAt) ?? this.load(k));
    this.#loadedAt = this.clock.now();
  }

  /**
   * The key that signs new tokens: the newest one published for at least `activationDelay`; while a
   * rotation is that young, the key it retired goes on signing (it stays published long enough). The
   * very first key signs at once: there is no older one.
   */
  signingKey(): LoadedKey {
    const activeBefore = this.clock.now() - (this.options.activationDelay ?? 0) * 1000;
    const key = this.#keys.find((k) => k.createdAt <= activeBefore) ?? this.#keys.at(-1);
    if (!key) throw new Error('the key ring is empty');
    return key;
  }

  /**
   * Signs a JWS with the current key, using node:crypto (synchronous, off the libuv pool). The header's
   * `typ` is `at+jwt` unless `typ` says otherwise (Security Event Tokens use `secevent+jwt`).
   */
  sign(payload: object, typ = 'at+jwt'): string {
    const key = this.signingKey();
    const header = typ === 'at+jwt' ? key.encodedHeader : Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = key.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** The published key with this id; re-reads the store once when it is unknown (another instance rotated). */
  async publicKey(kid: string): Promise<LoadedKey | undefined> {
    const known = this.#keys.find((k) => k.kid === kid);
    if (known || this.clock.now() - this.#loadedAt < 250) return known;
    await this.reloadOnce();
    return this.#keys.find((k) => k.kid === kid);
  }

  /** The JWK Set of every published key (RFC 7517), for `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.filter((k) => this.isPublished(k)).map((k) => k.jwk) };
  }

  /** Published until every token it can have signed (up to `activationDelay` after retirement) expired, plus a minute of skew. */
  private isPublished(key: { retiredAt: number | null }): boolean {
    const signsUntil = (key.retiredAt ?? Infinity) + (this.options.activationDelay ?? 0) * 1000;
    return signsUntil + (this.options.accessTtl + 60) * 1000 > this.clock.now();
  }

  private reloadOnce(): Promise<void> {
    this.#reloading ??= this.reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  private load(stored: StoredSigningKey): LoadedKey {
    let pem: string;
    try {
      pem = this.secret.open(stored.privateKey, stored.kid);
    } catch {
      throw new Error(
        `signing key ${stored.kid} cannot be decrypted: this server's LATCHKEY_SECRET differs from the one that created it`,
      );
    }
    const privateKey = createPrivateKey(pem);
    const alg = stored.alg as SigningAlg;
    return {
      kid: stored.kid,
      alg,
      privateKey,
      publicKey: createPublicKey(privateKey),
      jwk: JSON.parse(stored.publicJwk) as JWK,
      createdAt: stored.createdAt,
      retiredAt: stored.retiredAt,
      encodedHeader: Buffer.from(JSON.stringify({ alg, kid: stored.kid, typ: 'at+jwt' })).toString('base64url'),
    };
  }
}

async function generateKey(alg: SigningAlg, now: number): Promise<StoredSigningKey> {
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    kid,
    alg,
    publicJwk: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }),
    privateKey: await exportPKCS8(pair.privateKey),
    createdAt: now,
    retiredAt: null,
  };
}
