import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { hashClientSecret, type OAuthClient } from '../../src/oauth/clients.ts';
import type { TestServer } from '../helpers/server.ts';

/** A client's redirect target: a real HTTP server on 127.0.0.1 that records every request it gets. */
export interface RelyingParty {
  readonly url: string;
  readonly hits: string[];
  close(): Promise<void>;
}

export async function startRelyingParty(): Promise<RelyingParty> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/plain' }).end('relying party');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let clients = 0;

/** Registers a client straight in the server's store (the CLI does the same; test/cli covers it). */
export async function addClient(
  server: TestServer,
  fields: Partial<OAuthClient> & { redirectUris: string[]; secret?: string },
): Promise<OAuthClient> {
  const { secret, ...rest } = fields;
  const client: OAuthClient = {
    id: `app-${process.pid}-${++clients}`,
    name: `Test app ${clients}`,
    type: secret ? 'confidential' : 'public',
    secretHash: secret ? hashClientSecret(secret) : null,
    postLogoutRedirectUris: [],
    firstParty: true,
    createdAt: Date.now(),
    ...rest,
  };
  if (!(await server.latchkey.oauth.store.addClient(client))) throw new Error('client id taken');
  return client;
}

/** oauth4webapi's options for a test server on plain http. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** A fresh PKCE pair, state and nonce, and the authorization URL that carries them. */
export async function authorizationRequest(
  as: oauth.AuthorizationServer,
  clientId: string,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<{ url: URL; verifier: string; state: string; nonce: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile offline_access',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url, verifier, state, nonce };
}

/**
 * Walks an authorization request the way the sign-in page does, over plain HTTP: loads the page
 * (for its ticket), then asks `/oauth/authorize/continue` with the access token of `accessToken`
 * (a browser-API sign-in). Returns the step the server answered.
 */
export async function continueAuthorization(
  server: TestServer,
  authUrl: URL,
  accessToken: string | undefined,
  consent?: 'allow' | 'deny',
): Promise<{ status: number; body: { next?: string; url?: string; scopes?: string[]; error?: string; error_description?: string } }> {
  const query = authUrl.search.slice(1);
  const pageResponse = await fetch(`${server.url}/oauth/authorize?${query}`, { redirect: 'manual' });
  const html = await pageResponse.text();
  const ticket = /<meta name="latchkey-authorize" content="([^"]+)"/.exec(html)?.[1];
  if (!ticket) throw new Error(`no sign-in page (status ${pageResponse.status})`);
  const response = await fetch(`${server.url}/oauth/authorize/continue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
    body: JSON.stringify({ request: query, ticket, ...(consent && { consent }) }),
  });
  return { status: response.status, body: (await response.json()) as never };
}
