import { availableParallelism } from 'node:os';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { fail } from './errors.ts';

/** `Algorithm.Argon2id`: the enum is `const`, which verbatimModuleSyntax cannot import. */
const ARGON2ID = 2 as Algorithm;

/** argon2id cost. Defaults are OWASP's first choice: 19 MiB, 2 passes, 1 lane. */
export interface Argon2Cost {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Cost = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/**
 * Hashes and checks passwords with argon2id, at most `concurrency` at once (default: one per core).
 * Hashes run on libuv's pool, which WebCrypto and file I/O share: the queue keeps a burst of logins
 * from starving everything else. At most `maxWaiting` wait (default 256, about 2 s of work at
 * OWASP's cost on 2 cores); beyond that a login is shed at once with `service_unavailable` rather
 * than queued for longer than any client waits. Passwords are NFKC-normalised before hashing.
 *
 * @example
 * const passwords = new PasswordHasher()
 * const stored = await passwords.hash('correct horse battery staple')
 * await passwords.verify(stored, 'correct horse battery staple') // true
 */
export class PasswordHasher {
  readonly #cost: Argon2Cost;
  readonly #limit: number;
  readonly #maxWaiting: number;
  #running = 0;
  #hashesRun = 0;
  readonly #waiting: Array<() => void> = [];
  #dummy: Promise<string> | undefined;

  constructor(cost: Argon2Cost = OWASP_ARGON2ID, concurrency = availableParallelism(), maxWaiting = 256) {
    this.#cost = cost;
    this.#limit = Math.max(1, concurrency);
    this.#maxWaiting = maxWaiting;
  }

  hash(password: string): Promise<string> {
    return this.#queued(() => hash(password.normalize('NFKC'), { algorithm: ARGON2ID, ...this.#cost }));
  }

  /** True when `password` matches `stored`; false for a wrong password or an unreadable hash. */
  verify(stored: string, password: string): Promise<boolean> {
    return this.#queued(() => verify(stored, password.normalize('NFKC')).catch(() => false));
  }

  /**
   * Spends the same time as {@link verify} against a hash that matches nothing, so that an unknown
   * e-mail answers as slowly as a wrong password: one real argon2id check through the same queue
   * (shed with `service_unavailable` exactly when a known e-mail's check would be). The dummy hash
   * itself is made once outside the queue, so the queue's state at that moment can never decide it.
   */
  async verifyNothing(password: string): Promise<false> {
    this.#dummy ??= hash(`dummy ${Math.E}`, { algorithm: ARGON2ID, ...this.#cost }).catch((err: unknown) => {
      this.#dummy = undefined; // never keep a failure: the next unknown e-mail makes it again
      throw err;
    });
    await this.verify(await this.#dummy, password);
    return false;
  }

  /** How many hashes and checks have run through the queue so far (each costs one argon2id computation). */
  get hashesRun(): number {
    return this.#hashesRun;
  }

  async #queued<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limit) {
      this.#running++;
    } else if (this.#waiting.length >= this.#maxWaiting) {
      throw fail('service_unavailable', 'Too many sign-ins at once; try again in a moment.', 1);
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve)); // a finishing hash hands over its slot
    }
    try {
      return await work();
    } finally {
      this.#hashesRun++;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
