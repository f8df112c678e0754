import type { Auth } from '../core/auth.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { RequestContext } from '../core/types.ts';
import { readIdTokenHint } from './id-token.ts';
import type { OAuthStore } from './oauth-store.ts';

/** What `/oauth/logout` did: where to send the browser, or what to tell the user. */
export type LogoutOutcome =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'signed-out'; readonly appName: string | null }
  | { readonly kind: 'error'; readonly description: string };

export interface LogoutOptions {
  readonly store: Pick<OAuthStore, 'findClient'>;
  readonly auth: Pick<Auth, 'logout'>;
  readonly keys: KeyRing;
  readonly issuer: string;
}

/**
 * OpenID Connect RP-Initiated Logout 1.0: `id_token_hint` names the session (its `sid`), which
 * ends like a logout from its own device. The browser goes to `post_logout_redirect_uri` (with
 * `state`) only when that URI is registered for the client exactly; any other URI is refused and
 * the user sees a page instead, so the endpoint cannot serve as an open redirector.
 */
export async function rpLogout(o: LogoutOptions, params: URLSearchParams, request: RequestContext): Promise<LogoutOutcome> {
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) return { kind: 'error', description: `The parameter ${name.slice(0, 40)} must not be repeated.` };
  }
  const hint = params.get('id_token_hint');
  const claims = hint ? await readIdTokenHint(o.keys, o.issuer, hint) : undefined;
  if (hint && !claims) return { kind: 'error', description: 'The id_token_hint was not issued by this server.' };
  const clientId = params.get('client_id');
  if (claims && clientId !== null && claims.aud !== clientId) return { kind: 'error', description: 'client_id does not match the id_token_hint.' };
  const id = claims?.aud ?? clientId;
  const client = id !== null && id.length <= 100 ? await o.store.findClient(id) : undefined;
  const target = params.get('post_logout_redirect_uri');
  if (target !== null && !client?.postLogoutRedirectUris.includes(target)) {
    return { kind: 'error', description: 'The post_logout_redirect_uri is not registered for this app, so latchkey will not go there.' };
  }

  if (claims && typeof claims.sid === 'string') await o.auth.logout(claims.sub, claims.sid, request);
  if (target !== null) {
    const state = params.get('state');
    const url = state === null ? target : `${target}${target.includes('?') ? '&' : '?'}${new URLSearchParams({ state })}`;
    return { kind: 'redirect', url };
  }
  return { kind: 'signed-out', appName: claims ? (client?.name ?? null) : null };
}
