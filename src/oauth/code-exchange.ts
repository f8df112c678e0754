import type { Auth } from '../core/auth.ts';
import type { Clock } from '../core/clock.ts';
import { fail, type LatchkeyError } from '../core/errors.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { RequestContext } from '../core/types.ts';
import { hashCode } from './authorization.ts';
import type { OAuthClient } from './clients.ts';
import { signIdToken, userClaims } from './id-token.ts';
import type { OAuthStore } from './oauth-store.ts';
import { verifierMatches } from './pkce.ts';
import { hasScope } from './scopes.ts';

/** The token response of the authorization code grant (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3). */
export interface CodeTokens {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly scope: string;
  readonly id_token?: string;
}

export interface CodeExchangeOptions {
  readonly store: OAuthStore;
  readonly auth: Auth;
  readonly keys: KeyRing;
  readonly clock: Clock;
  readonly issuer: string;
  /** Seconds an id_token is valid (the access token's life). */
  readonly idTokenTtl: number;
}

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3 with PKCE, RFC 7636 §4.5): the code is used up by
 * its first presentation whatever the outcome, and must be this client's, unexpired, for this exact
 * redirect URI, with the verifier of its challenge. Then a session starts exactly as a login does
 * (device replacement, limit, events), bound to the client. A second presentation of a code ends
 * the session its first use started (RFC 6749 §4.1.2), even when the two race.
 *
 * @throws invalid_grant, invalid_request
 */
export async function exchangeCode(
  o: CodeExchangeOptions,
  client: OAuthClient,
  params: { code?: string; redirect_uri?: string; code_verifier?: string },
  request: RequestContext,
): Promise<CodeTokens> {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
  if (!code || !redirectUri) throw fail('invalid_request', 'grant_type=authorization_code needs code and redirect_uri.');
  if (!verifier) throw fail('invalid_request', 'code_verifier is required (PKCE).');
  const codeHash = hashCode(code);
  const now = o.clock.now();
  const stored = await o.store.consumeCode(codeHash, now);
  if (!stored) {
    const replayed = await o.store.markCodeReplayed(codeHash, now);
    if (replayed?.sessionId) await endStolen(o, replayed.userId, replayed.sessionId, request);
    throw badCode(replayed ? 'The authorization code was used already.' : undefined);
  }
  if (stored.clientId !== client.id) throw badCode('The authorization code was issued to another client.');
  if (stored.expiresAt <= now) throw badCode('The authorization code expired.');
  if (stored.redirectUri !== redirectUri) throw badCode('redirect_uri differs from the authorization request.');
  if (!verifierMatches(verifier, stored.codeChallenge)) throw badCode('code_verifier does not match the code_challenge.');

  const tokens = await o.auth.startClientSession(stored.userId, request, { clientId: client.id, scope: stored.scope });
  if (await o.store.attachSession(codeHash, tokens.sessionId)) {
    await endStolen(o, stored.userId, tokens.sessionId, request);
    throw badCode('The authorization code was used already.');
  }
  const iat = Math.floor(now / 1000);
  const idToken = hasScope(stored.scope, 'openid')
    ? signIdToken(o.keys, {
        iss: o.issuer,
        sub: stored.userId,
        aud: client.id,
        exp: iat + o.idTokenTtl,
        iat,
        auth_time: Math.floor(stored.authTime / 1000),
        ...(stored.nonce !== null && { nonce: stored.nonce }),
        sid: tokens.sessionId,
        ...userClaims(tokens.user, stored.scope),
      })
    : undefined;
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    scope: stored.scope,
    ...(idToken && { id_token: idToken }),
  };
}

async function endStolen(o: CodeExchangeOptions, userId: string, sessionId: string, request: RequestContext): Promise<void> {
  await o.auth.endSessions([{ id: sessionId, userId }], 'authorization_code_reuse', request);
}

function badCode(description = 'The authorization code is invalid, expired or used.'): LatchkeyError {
  return fail('invalid_grant', description);
}
