import { createHash, randomBytes } from 'node:crypto';
import type { Session } from '../core/types.ts';
import { responseUrl, type AuthorizeRequest } from './authorize-request.ts';
import type { OAuthStore } from './oauth-store.ts';

/** Seconds an authorization code can be exchanged (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const CODE_TTL = 60;
/** Used and expired codes stay this long, so a late replay still revokes what the first use issued. */
const CODE_KEPT_MS = 10 * 60 * 1000;

/** What the sign-in page does next for an authorization request. */
export type AuthorizeStep =
  /** Send the browser back to the client (with a code, or with an error). */
  | { readonly next: 'redirect'; readonly url: string }
  /** Ask the user to sign in (again, for `prompt=login` and `max_age`). */
  | { readonly next: 'login' }
  /** Ask the user whether the (third-party) app may have the scopes. */
  | { readonly next: 'consent'; readonly scopes: readonly string[] };

export interface AuthorizeContext {
  /** The browser's latchkey session (from the page's access token), or `null` when not signed in. */
  readonly session: Pick<Session, 'id' | 'userId' | 'createdAt'> | null;
  /** When the page for this request was served (ms), from its ticket. */
  readonly servedAt: number;
  /** The user's answer on the consent screen, if they gave one. */
  readonly consent: 'allow' | 'deny' | null;
  readonly now: number;
  readonly issuer: string;
}

/**
 * The rule of the authorize page (OpenID Connect Core §3.1.2.3-§3.1.2.6), a pure function: sign-in
 * unless the browser is signed in to latchkey, again for `prompt=login`/`select_account` or when the
 * sign-in is older than `max_age` (a sign-in made after the page was served always counts as fresh);
 * consent for third-party clients and `prompt=consent`; with `prompt=none` every question becomes an
 * error redirect instead. `{ next: 'code' }` when a code may be issued.
 */
export function authorizationStep(request: AuthorizeRequest, ctx: AuthorizeContext): AuthorizeStep | { readonly next: 'code' } {
  const silent = request.prompt.has('none');
  const back = (error: string, description: string): AuthorizeStep => ({
    next: 'redirect',
    url: responseUrl(request.redirectUri, { error, error_description: description, state: request.state }, ctx.issuer),
  });
  const session = ctx.session;
  const freshSignIn = session !== null && session.createdAt >= ctx.servedAt;
  if (session === null) return silent ? back('login_required', 'The user is not signed in.') : { next: 'login' };
  if (!freshSignIn && (request.prompt.has('login') || request.prompt.has('select_account'))) return { next: 'login' };
  if (!freshSignIn && request.maxAge !== null && ctx.now - session.createdAt > request.maxAge * 1000) {
    return silent ? back('login_required', 'The sign-in is older than max_age.') : { next: 'login' };
  }
  if (ctx.consent === 'deny') return back('access_denied', 'The user did not allow the app to sign in.');
  const needsConsent = !request.client.firstParty || request.prompt.has('consent');
  if (needsConsent && ctx.consent !== 'allow') {
    return silent ? back('consent_required', 'The user has to allow this app first.') : { next: 'consent', scopes: request.scope.split(' ').filter(Boolean) };
  }
  return { next: 'code' };
}

/** Takes the {@link authorizationStep}, and issues the code when it says so. */
export async function decideAuthorization(request: AuthorizeRequest, ctx: AuthorizeContext, store: OAuthStore): Promise<AuthorizeStep> {
  const step = authorizationStep(request, ctx);
  const session = ctx.session;
  if (step.next !== 'code' || session === null) return step as AuthorizeStep;
  const code = randomBytes(32).toString('base64url');
  await store.insertCode(
    {
      codeHash: hashCode(code),
      clientId: request.client.id,
      userId: session.userId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      nonce: request.nonce,
      authTime: session.createdAt,
      createdAt: ctx.now,
      expiresAt: ctx.now + CODE_TTL * 1000,
    },
    ctx.now - CODE_KEPT_MS,
  );
  return { next: 'redirect', url: responseUrl(request.redirectUri, { code, state: request.state }, ctx.issuer) };
}

/** The store keeps SHA-256 of each code: a copy of the database redeems nothing. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}
