import type { User } from './types.ts';

/**
 * What the tabs of one browser tell each other over a BroadcastChannel. They share one cookie jar,
 * so they share one session: a tab that refreshed hands its fresh access token to the others
 * (which then need no refresh of their own), and a tab that saw the session end tells the others.
 */
export type TabMessage =
  | {
      readonly kind: 'token';
      readonly accessToken: string;
      /** Milliseconds since the epoch, by the sender's clock (the same machine's). */
      readonly expiresAt: number;
      /** The token's whole life in milliseconds. */
      readonly lifetime: number;
      readonly sessionId: string;
      readonly user: User;
    }
  | { readonly kind: 'ended'; readonly sessionId: string; readonly reason: 'logout' | 'revoked' };

/** The part of `BroadcastChannel` the client uses; inject a fake in tests. */
export interface TabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The part of the Web Locks API (`navigator.locks`) the client uses; inject a fake in tests. */
export interface TabLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * The message, when `data` is a well-formed {@link TabMessage}; otherwise `undefined`.
 *
 * @example
 * channel.addEventListener('message', (event) => handle(readTabMessage(event.data)))
 */
export function readTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m.kind === 'token') {
    const ok = typeof m.accessToken === 'string' && typeof m.expiresAt === 'number' && typeof m.lifetime === 'number'
      && typeof m.sessionId === 'string' && typeof m.user === 'object' && m.user !== null;
    return ok ? (m as TabMessage) : undefined;
  }
  if (m.kind === 'ended') {
    return typeof m.sessionId === 'string' && (m.reason === 'logout' || m.reason === 'revoked') ? (m as TabMessage) : undefined;
  }
  return undefined;
}
