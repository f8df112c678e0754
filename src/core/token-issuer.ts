import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '../contract/index.ts';
import type { Clock } from './clock.ts';
import type { KeyRing } from './key-ring.ts';
import type { RefreshTokenCodec } from './refresh-token.ts';
import { publicUser, type Session, type User, type UserRecord } from './types.ts';

/** What a login or a refresh hands to the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  /** Seconds the session (and so this refresh token) can live at most, for the cookie's Max-Age. */
  readonly refreshExpiresIn: number;
  readonly sessionId: string;
  readonly user: User;
}

/** What {@link TokenIssuer} needs. */
export interface TokenIssuerOptions {
  readonly keys: KeyRing;
  readonly refreshTokens: RefreshTokenCodec;
  readonly clock: Clock;
  readonly issuer: string;
  readonly audience: string;
  /** Access token life in seconds. */
  readonly accessTtl: number;
}

/**
 * Signs the access token (claims in docs/api.md, "Access tokens") and derives the refresh token at
 * the session's counter. The same session and counter always give the same refresh token.
 *
 * @example
 * const tokens = issuer.issue(user, session)
 */
export class TokenIssuer {
  constructor(private readonly o: TokenIssuerOptions) {}

  issue(user: UserRecord, session: Pick<Session, 'id' | 'nonce' | 'counter' | 'expiresAt' | 'clientId' | 'scope'>): IssuedTokens {
    const now = this.o.clock.now();
    const iat = Math.floor(now / 1000);
    const claims: AccessClaims = {
      iss: this.o.issuer,
      sub: user.id,
      aud: this.o.audience,
      iat,
      exp: iat + this.o.accessTtl,
      jti: randomUUID(),
      sid: session.id,
      ...(user.roles.length > 0 && { roles: user.roles }),
      email_verified: Boolean(user.emailVerifiedAt),
      ...(session.clientId && { client_id: session.clientId, scope: session.scope ?? '' }),
    };
    return {
      accessToken: this.o.keys.sign(claims),
      expiresIn: this.o.accessTtl,
      refreshToken: this.o.refreshTokens.issue(session.id, session.nonce, session.counter),
      refreshExpiresIn: Math.max(0, Math.floor((session.expiresAt - now) / 1000)),
      sessionId: session.id,
      user: publicUser(user),
    };
  }
}
