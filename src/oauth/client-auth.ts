import { fail } from '../core/errors.ts';
import { clientSecretMatches, type OAuthClient } from './clients.ts';
import type { OAuthStore } from './oauth-store.ts';

/** The client credentials of a token request, as sent (RFC 6749 §2.3.1). */
export interface ClientCredentials {
  /** The `Authorization` header, if any. */
  readonly authorization: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
}

/**
 * Who is calling the token endpoint: a confidential client proves itself with its secret
 * (`client_secret_basic` or `client_secret_post`), a public client only names itself (`none`; PKCE
 * binds its codes). `null` when the request names no client at all (the password grant's apps).
 *
 * With `unknownIsAnonymous` (the refresh grant), an unregistered `client_id` sent without a secret
 * counts as no client: sessions bound to a client then refuse the token anyway.
 *
 * @throws invalid_client for an unknown client, a wrong or missing secret, or a secret sent by a public client
 * @throws invalid_request when the credentials come in two ways at once
 */
export async function authenticateClient(
  credentials: ClientCredentials,
  store: Pick<OAuthStore, 'findClient'>,
  options: { readonly unknownIsAnonymous?: boolean } = {},
): Promise<OAuthClient | null> {
  const basic = parseBasic(credentials.authorization);
  if (basic && credentials.clientSecret !== undefined) throw fail('invalid_request', 'Send the client secret one way only (Basic or client_secret).');
  if (basic && credentials.clientId !== undefined && credentials.clientId !== basic.id) {
    throw fail('invalid_request', 'client_id differs from the client authenticated by Basic.');
  }
  const id = basic?.id ?? credentials.clientId;
  const secret = basic?.secret ?? credentials.clientSecret;
  if (id === undefined) {
    if (secret !== undefined) throw fail('invalid_request', 'client_secret needs client_id.');
    return null;
  }
  const client = id.length <= 100 ? await store.findClient(id) : undefined;
  // Apps of the password grant name themselves freely (client_id was ignored before clients existed).
  if (!client && options.unknownIsAnonymous && secret === undefined) return null;
  if (!client) throw fail('invalid_client', 'Unknown client.');
  if (client.type === 'confidential' ? secret === undefined || !clientSecretMatches(client, secret) : secret !== undefined) {
    throw fail('invalid_client', client.type === 'confidential' ? 'Client authentication failed.' : 'A public client has no secret.');
  }
  return client;
}

/** `Basic base64(urlencode(id):urlencode(secret))`; `undefined` for another scheme or no header. */
function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header && /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) {
    if (header && /^Basic\b/i.test(header.trim())) throw fail('invalid_client', 'Malformed Basic credentials.');
    return undefined;
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw fail('invalid_client', 'Malformed Basic credentials.');
  try {
    const form = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
    return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
  } catch {
    throw fail('invalid_client', 'Malformed Basic credentials.');
  }
}
