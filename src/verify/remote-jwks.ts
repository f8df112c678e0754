import { VerifyError } from './errors.ts';
import { importVerificationKey, type PublicJwk } from './jwk-key.ts';
import type { VerificationKey } from './token-verifier.ts';

export interface RemoteJwksOptions {
  /** The fetch to use; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** Seconds during which an unknown `kid` triggers no further fetch after one was made; default 10. */
  readonly cooldown?: number;
  /** Seconds after which the cached set is fetched again before use; default 600. */
  readonly maxAge?: number;
  /** Seconds a fetch may take; default 5. */
  readonly timeout?: number;
}

/** A cached remote JWK Set. */
export interface RemoteJwks {
  /** The key for `kid`; fetches the set when it is unknown, at most once per cooldown. @throws VerifyError `jwks_unavailable` */
  resolveKey(kid: string): Promise<VerificationKey | undefined>;
  /** The key for `kid` when the set is fresh and holds it, without waiting; else `undefined` (then use `resolveKey`). */
  knownKey(kid: string): VerificationKey | undefined;
  /** Fetches the set now (coalesced with a fetch already running). @throws VerifyError `jwks_unavailable` */
  reload(): Promise<void>;
}

const MAX_KEYS = 100;
const MAX_BYTES = 512 * 1024;

/**
 * A JWK Set fetched from `uri` and cached: it is fetched on first use, again when older than
 * `maxAge`, and again when a token names an unknown `kid`, but at most once per `cooldown` and
 * with concurrent callers sharing one request, so a flood of tokens with made-up key ids costs the
 * key server nothing. A key whose JWK did not change keeps its KeyObject, so verifiers built on
 * it stay warm. When a refetch fails the keys already known stay in use.
 *
 * @example
 * const jwks = createRemoteJwks('https://auth.example.com/.well-known/jwks.json')
 * const verify = createTokenVerifier({ issuer, audience, resolveKey: (kid) => jwks.resolveKey(kid) })
 */
export function createRemoteJwks(uri: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const url = new URL(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`jwksUri must be an http(s) URL, not ${url.protocol}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const cooldown = seconds(options.cooldown, 10, 'cooldown') * 1000;
  const maxAge = seconds(options.maxAge, 600, 'maxAge') * 1000;
  const timeout = seconds(options.timeout, 5, 'timeout') * 1000;

  let keys = new Map<string, { json: string; key: VerificationKey }>();
  let fetchedAt: number | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  const fetchSet = async () => {
    let body: unknown;
    try {
      const response = await doFetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeout) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_BYTES) throw new Error('too large');
      body = JSON.parse(text);
    } catch {
      throw new VerifyError('jwks_unavailable', 'the JWK Set could not be fetched');
    }
    const list = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new VerifyError('jwks_unavailable', 'the JWK Set is not a JSON object with "keys"');
    const next = new Map<string, { json: string; key: VerificationKey }>();
    for (const jwk of list.slice(0, MAX_KEYS) as PublicJwk[]) {
      if (!jwk || typeof jwk !== 'object' || typeof jwk.kid !== 'string' || next.has(jwk.kid)) continue;
      const json = JSON.stringify(jwk);
      const known = keys.get(jwk.kid);
      const key = known?.json === json ? known.key : importVerificationKey(jwk);
      if (key) next.set(jwk.kid, { json, key });
    }
    keys = next;
    fetchedAt = now();
  };

  const reload = () => {
    attemptedAt = now();
    inflight ??= fetchSet().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  /** Waits for a fetch; when it fails, the keys fetched before stay in use (none before: the error stands). */
  const settle = async (fetching: Promise<void>) => {
    try {
      await fetching;
    } catch (err) {
      if (fetchedAt === undefined) throw err;
    }
  };

  const knownKey = (kid: string) =>
    inflight === undefined && fetchedAt !== undefined && now() - fetchedAt < maxAge ? keys.get(kid)?.key : undefined;

  return {
    reload,
    knownKey,
    async resolveKey(kid) {
      const stale = fetchedAt === undefined || now() - fetchedAt >= maxAge;
      if (inflight) await settle(inflight);
      else if (stale && now() - attemptedAt >= cooldown) await settle(reload());
      else if (fetchedAt === undefined) throw new VerifyError('jwks_unavailable', 'the JWK Set could not be fetched');
      const key = keys.get(kid)?.key;
      if (key || now() - attemptedAt < cooldown) return key;
      await settle(reload());
      return keys.get(kid)?.key;
    },
  };
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a number of seconds >= 0, not ${value}`);
  return value;
}
