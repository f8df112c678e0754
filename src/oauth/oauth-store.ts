import type { OAuthClient } from './clients.ts';

/** An authorization code as the store keeps it: its SHA-256, never the code itself. */
export interface StoredCode {
  readonly codeHash: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  /** The PKCE S256 challenge the code is bound to (RFC 7636). */
  readonly codeChallenge: string;
  /** The granted scope, space-separated. */
  readonly scope: string;
  readonly nonce: string | null;
  /** When the user last authenticated (ms): the id_token's `auth_time`. */
  readonly authTime: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A code after its one exchange was attempted: who used it, and the session it started. */
export interface UsedCode extends StoredCode {
  readonly usedAt: number | null;
  readonly sessionId: string | null;
}

/**
 * What OAuth needs of the database, besides the core's Store: the client registry and the
 * authorization codes. Every method is one statement, atomic on its own; times are epoch ms.
 */
export interface OAuthStore {
  /** Inserts a client; `false` (nothing written) when the id is taken. */
  addClient(client: OAuthClient): Promise<boolean>;
  /** Read from the database on every call, so clients added by the CLI reach running servers at once. */
  findClient(id: string): Promise<OAuthClient | undefined>;
  /** Every client, oldest first. */
  listClients(): Promise<OAuthClient[]>;
  /** Deletes a client; `false` when there was none. Sessions it started stay until they end. */
  removeClient(id: string): Promise<boolean>;
  /** The names of these clients, by id (for the account page). */
  clientNames(ids: readonly string[]): Promise<Map<string, string>>;

  /** Keeps a new code; also deletes (a bounded batch of) codes that expired before `sweepBefore`. */
  insertCode(code: StoredCode, sweepBefore: number): Promise<void>;
  /**
   * Marks the code used at `at` if nobody used it before: of any number of concurrent callers,
   * exactly one gets the code back; the others get `undefined` and write nothing.
   */
  consumeCode(codeHash: string, at: number): Promise<StoredCode | undefined>;
  /**
   * Records that the code was presented again at `at` and returns it as it stands (with the session
   * its first use started, if that use has finished), or `undefined` for an unknown code.
   */
  markCodeReplayed(codeHash: string, at: number): Promise<UsedCode | undefined>;
  /**
   * Records the session the code's exchange started; returns `true` when a replay was recorded
   * meanwhile (then the caller must end that session: the code was stolen).
   */
  attachSession(codeHash: string, sessionId: string): Promise<boolean>;
}
