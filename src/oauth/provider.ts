import { hkdfSync } from 'node:crypto';
import type { Auth } from '../core/auth.ts';
import type { Clock } from '../core/clock.ts';
import { fail } from '../core/errors.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { RequestContext, Session } from '../core/types.ts';
import { decideAuthorization, type AuthorizeStep } from './authorization.ts';
import { checkAuthorizeRequest, type AuthorizeRequest } from './authorize-request.ts';
import { authenticateClient, type ClientCredentials } from './client-auth.ts';
import type { OAuthClient } from './clients.ts';
import { exchangeCode, type CodeTokens } from './code-exchange.ts';
import { openIdConfiguration } from './discovery.ts';
import { userClaims } from './id-token.ts';
import type { OAuthStore } from './oauth-store.ts';
import { issueTicket, readTicket } from './page-ticket.ts';
import { rpLogout, type LogoutOutcome } from './rp-logout.ts';
import { hasScope } from './scopes.ts';

export interface OpenIdProviderOptions {
  readonly store: OAuthStore;
  readonly auth: Auth;
  readonly keys: KeyRing;
  readonly clock: Clock;
  readonly issuer: string;
  /** Seconds an id_token is valid: the access token's life. */
  readonly accessTtl: number;
  /** Whether `grant_type=password` is on (for the metadata). */
  readonly passwordGrant: boolean;
  /** A key only the servers know (from the server secret), for the sign-in page's tickets. */
  readonly secret: Buffer;
}

/**
 * latchkey as an OpenID Provider (src/oauth/): authorization requests, codes, the code grant,
 * userinfo, RP-initiated logout and discovery, on the core's per-device sessions. No HTTP in here;
 * src/oauth/*-routes.ts translate.
 *
 * @example
 * const step = await provider.decide(query, browserSession, ticket, null)
 * if (step.next === 'redirect') location = step.url
 */
export class OpenIdProvider {
  readonly #ticketKey: Buffer;

  constructor(private readonly o: OpenIdProviderOptions) {
    this.#ticketKey = Buffer.from(hkdfSync('sha256', o.secret, Buffer.alloc(0), 'latchkey authorize page ticket v1', 32));
  }

  get store(): OAuthStore {
    return this.o.store;
  }

  /** @throws AuthorizeError */
  checkRequest(query: string): Promise<AuthorizeRequest> {
    return checkAuthorizeRequest(new URLSearchParams(query), this.o.store);
  }

  /** The ticket the sign-in page of `query` carries (see page-ticket.ts). */
  ticket(query: string): string {
    return issueTicket(this.#ticketKey, query, this.o.clock.now());
  }

  /**
   * The next step of the request `query` for a browser signed in as `session` (or not).
   * @throws AuthorizeError; invalid_request for a stale or forged ticket
   */
  async decide(query: string, ticket: string, session: Session | null, consent: 'allow' | 'deny' | null): Promise<AuthorizeStep> {
    const request = await this.checkRequest(query);
    const now = this.o.clock.now();
    const servedAt = readTicket(this.#ticketKey, query, ticket, now);
    if (servedAt === undefined) throw fail('invalid_request', 'This sign-in page has expired. Go back to the app and start again.');
    return decideAuthorization(request, { session, servedAt, consent, now, issuer: this.o.issuer }, this.o.store);
  }

  /** @throws invalid_client, invalid_request */
  authenticateClient(credentials: ClientCredentials, options: { unknownIsAnonymous?: boolean } = {}): Promise<OAuthClient | null> {
    return authenticateClient(credentials, this.o.store, options);
  }

  /** @throws invalid_grant, invalid_request */
  exchange(client: OAuthClient, params: { code?: string; redirect_uri?: string; code_verifier?: string }, request: RequestContext): Promise<CodeTokens> {
    return exchangeCode({ ...this.o, idTokenTtl: this.o.accessTtl }, client, params, request);
  }

  /**
   * The claims `/oauth/userinfo` returns for the session of an access token (OpenID Connect Core
   * §5.3): `sub`, plus what the granted scope releases.
   * @throws insufficient_scope when the session was not granted `openid`
   */
  async userinfo(session: Session): Promise<Record<string, unknown>> {
    if (!hasScope(session.scope, 'openid')) throw fail('insufficient_scope', 'This access token was not granted the openid scope.');
    const user = await this.o.auth.user(session.userId);
    return { sub: user.id, ...userClaims(user, session.scope ?? '') };
  }

  logout(params: URLSearchParams, request: RequestContext): Promise<LogoutOutcome> {
    return rpLogout(this.o, params, request);
  }

  /** `/.well-known/openid-configuration`, with the algorithms of the keys published now. */
  configuration() {
    const algs = new Set(this.o.keys.jwks().keys.map((k) => String(k.alg)));
    return openIdConfiguration({ issuer: this.o.issuer, passwordGrant: this.o.passwordGrant, signingAlgs: [...algs] });
  }
}
