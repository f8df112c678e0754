import { redirectUriMatches, type OAuthClient } from './clients.ts';
import type { OAuthStore } from './oauth-store.ts';
import { isS256Challenge } from './pkce.ts';
import { grantedScope } from './scopes.ts';

/** An authorization request (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1) that passed every check. */
export interface AuthorizeRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  readonly state: string | null;
  /** The granted scope, space-separated (supported scopes only). */
  readonly scope: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly prompt: ReadonlySet<string>;
  /** Seconds; `null` when absent. */
  readonly maxAge: number | null;
}

/**
 * Why an authorization request fails. With `redirectUri` set (the client and its redirect URI are
 * valid) the error goes back to the client there (RFC 6749 §4.1.2.1); without it the error is
 * shown to the user, never redirected: an unchecked URI would make latchkey an open redirector.
 */
export class AuthorizeError extends Error {
  override readonly name = 'AuthorizeError';

  constructor(
    readonly error: string,
    readonly description: string,
    readonly redirectUri: string | null = null,
    readonly state: string | null = null,
  ) {
    super(`${error}: ${description}`);
  }
}

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const LIMITS: Record<string, number> = { state: 2048, nonce: 512, scope: 1000, code_challenge: 128, max_age: 12, prompt: 100 };

/**
 * Checks an authorization request in the order RFC 6749 asks: first the client and the redirect
 * URI (failures are shown, not redirected), then everything else (failures are redirected).
 * Clients are read from the store on every request, so one added by the CLI works at once.
 *
 * @throws AuthorizeError
 */
export async function checkAuthorizeRequest(params: URLSearchParams, store: Pick<OAuthStore, 'findClient'>): Promise<AuthorizeRequest> {
  const clientId = single(params, 'client_id', null);
  if (!clientId) throw new AuthorizeError('invalid_request', 'The request names no client (client_id is missing).');
  const client = clientId.length <= 100 ? await store.findClient(clientId) : undefined;
  if (!client) throw new AuthorizeError('invalid_client', 'This app is not registered with latchkey.');
  const redirectUri = single(params, 'redirect_uri', null);
  if (!redirectUri) throw new AuthorizeError('invalid_request', 'The request names no redirect_uri.');
  if (!redirectUriMatches(client, redirectUri)) {
    throw new AuthorizeError('invalid_request', 'The redirect_uri is not one registered for this app.');
  }

  const state = params.get('state');
  const fail = (error: string, description: string): never => {
    throw new AuthorizeError(error, description, redirectUri, state !== null && state.length <= LIMITS.state! ? state : null);
  };
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) fail('invalid_request', `The parameter ${name.slice(0, 40)} must not be repeated.`);
    const limit = LIMITS[name];
    if (limit !== undefined && params.get(name)!.length > limit) fail('invalid_request', `${name} is longer than ${limit} characters.`);
  }
  if (params.has('request')) fail('request_not_supported', 'Request objects are not supported.');
  if (params.has('request_uri')) fail('request_uri_not_supported', 'request_uri is not supported.');
  if (params.has('registration')) fail('registration_not_supported', 'Dynamic registration is not supported.');
  const responseType = params.get('response_type');
  if (responseType === null) fail('invalid_request', 'response_type is required.');
  if (responseType !== 'code') fail('unsupported_response_type', 'Only response_type=code is supported.');
  const responseMode = params.get('response_mode');
  if (responseMode !== null && responseMode !== 'query') fail('invalid_request', 'Only response_mode=query is supported.');

  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === null) fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
  if (method !== 'S256') fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted).');
  if (!isS256Challenge(challenge!)) fail('invalid_request', 'code_challenge must be 43 base64url characters (S256).');

  const prompt = new Set((params.get('prompt') ?? '').split(' ').filter(Boolean));
  if ([...prompt].some((p) => !PROMPTS.has(p))) fail('invalid_request', 'prompt may hold none, login, consent and select_account.');
  if (prompt.has('none') && prompt.size > 1) fail('invalid_request', 'prompt=none cannot be combined with another value.');
  const maxAgeText = params.get('max_age');
  if (maxAgeText !== null && !/^\d{1,10}$/.test(maxAgeText)) fail('invalid_request', 'max_age must be a whole number of seconds.');

  return {
    client,
    redirectUri,
    state,
    scope: grantedScope(params.get('scope') ?? ''),
    codeChallenge: challenge!,
    nonce: params.get('nonce'),
    prompt,
    maxAge: maxAgeText === null ? null : Number(maxAgeText),
  };
}

/** The one value of `name`; a repeated client_id or redirect_uri is refused without redirecting. */
function single(params: URLSearchParams, name: string, fallback: string | null): string | null {
  const values = params.getAll(name);
  if (values.length > 1) throw new AuthorizeError('invalid_request', `The parameter ${name} must not be repeated.`);
  return values[0] ?? fallback;
}

/**
 * The redirect URI with the response parameters added to its query (RFC 6749 §4.1.2), and `iss`
 * (RFC 9207) so a client talking to several servers can tell which one answered (mix-up defence).
 * The registered URI is kept exactly as it is; parameters are appended.
 */
export function responseUrl(redirectUri: string, params: Record<string, string | null>, issuer: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null) query.set(name, value);
  query.set('iss', issuer);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query}`;
}
