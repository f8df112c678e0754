import { parse as parseQuery } from 'node:querystring';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenResponse } from '../contract/index.ts';
import type { IssuedTokens } from '../core/token-issuer.ts';
import { fail, LatchkeyError } from '../core/errors.ts';
import { errorBody } from './api-docs.ts';
import type { Services } from './app.ts';
import { OAUTH_ERROR } from './error-status.ts';
import { errorHandler, sendError } from './errors.ts';
import { requestContext } from './request-context.ts';

const FORM = 'application/x-www-form-urlencoded';
const tags = ['OAuth 2.0 API'];
const text = (maxLength: number, description?: string) => ({ type: 'string', maxLength, ...(description && { description }) }) as const;

interface TokenParams {
  grant_type?: string;
  username?: string;
  password?: string;
  refresh_token?: string;
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
  client_id?: string;
  client_secret?: string;
}
interface RevokeParams {
  token?: string;
  token_type_hint?: string;
}

const tokenSchema = {
  summary: 'Token endpoint (RFC 6749): authorization code grant with PKCE, refresh-token grant (bound to its client), password grant when LATCHKEY_PASSWORD_GRANT=true; the refresh token rotates on every use',
  tags,
  consumes: [FORM, 'application/json'],
  body: {
    type: 'object',
    properties: {
      grant_type: { type: 'string', enum: ['authorization_code', 'password', 'refresh_token'], maxLength: 64 },
      code: text(256, 'grant_type=authorization_code'),
      redirect_uri: text(2048, 'grant_type=authorization_code: as in the authorization request'),
      code_verifier: text(256, 'grant_type=authorization_code: the PKCE verifier (RFC 7636)'),
      client_secret: text(256, 'client_secret_post, for confidential clients'),
      username: text(320, 'grant_type=password: the e-mail address'),
      password: text(4096, 'grant_type=password'),
      refresh_token: text(512, 'grant_type=refresh_token'),
      scope: text(1000, 'ignored'),
      client_id: text(200, 'the client; required for the authorization code grant and for refresh tokens it issued'),
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
      properties: {
        access_token: { type: 'string', description: 'a JWT (RFC 9068)' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer' },
        refresh_token: { type: 'string', description: 'one-time use: send it to get the next pair' },
        scope: { type: 'string', description: 'authorization code grant: the granted scope' },
        id_token: { type: 'string', description: 'authorization code grant with scope openid (OpenID Connect Core §3.1.3.3)' },
      },
    },
    400: { ...errorBody, description: 'invalid_request, invalid_grant or unsupported_grant_type (RFC 6749 §5.2)' },
    429: errorBody,
  },
} as const;

const revokeSchema = {
  summary: 'Revocation endpoint (RFC 7009): ends the session of a refresh token or of an access token; 200 even for unknown tokens',
  tags,
  consumes: [FORM, 'application/json'],
  body: {
    type: 'object',
    properties: {
      token: text(8192),
      token_type_hint: { type: 'string', maxLength: 64 },
      client_id: text(200, 'ignored'),
    },
  },
  response: { 200: { type: 'null', description: 'Revoked, or nothing to revoke.' }, 400: errorBody },
} as const;

/**
 * The OAuth 2.0 API (docs/api.md, "OAuth 2.0 API") for native apps and standard client libraries: the refresh
 * token travels in the body. Every grant goes through the same core calls as the browser API
 * (`Auth.login`, `Auth.refresh`, `Auth.logoutWithRefreshToken`), so device binding, rotation,
 * reuse detection, grace and expiry are the same. Errors follow RFC 6749 §5.2 (`invalid_grant`
 * is 400 here, where the browser API answers 401). Public clients: no client authentication.
 */
export function oauthRoutes({ auth, verifyAccessToken, throttle, oauth, config }: Services): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseForm(body as string));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    app.setErrorHandler(oauthErrorHandler);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      done();
    });

    app.post<{ Body: TokenParams | undefined }>('/token', { schema: tokenSchema }, async (request) => {
      const params = request.body ?? {};
      let tokens: IssuedTokens;
      const credentials = { authorization: request.headers.authorization, clientId: params.client_id, clientSecret: params.client_secret };
      switch (params.grant_type) {
        case undefined:
          throw fail('invalid_request', 'grant_type is required.');
        case 'authorization_code': {
          const client = await oauth.authenticateClient(credentials);
          if (!client) throw fail('invalid_request', 'client_id is required.');
          return oauth.exchange(client, params, requestContext(request));
        }
        case 'password': {
          if (!config.passwordGrant) throw fail('unsupported_grant_type', 'The password grant is off on this server (LATCHKEY_PASSWORD_GRANT); sign in with the authorization code flow.');
          const { username, password } = params;
          if (!username || !password) throw fail('invalid_request', 'grant_type=password needs username and password.');
          const context = requestContext(request);
          tokens = await throttle.login(username, context, () => auth.login({ email: username, password }, context));
          break;
        }
        case 'refresh_token': {
          const refreshToken = params.refresh_token;
          if (!refreshToken) throw fail('invalid_request', 'grant_type=refresh_token needs refresh_token.');
          const context = requestContext(request);
          const client = await oauth.authenticateClient(credentials, { unknownIsAnonymous: true });
          await throttle.refresh(context);
          tokens = await auth.refresh(refreshToken, context, client?.id ?? null);
          break;
        }
        default:
          throw fail('unsupported_grant_type', 'grant_type must be "authorization_code" or "refresh_token".');
      }
      const body: TokenResponse = { access_token: tokens.accessToken, token_type: 'Bearer', expires_in: tokens.expiresIn, refresh_token: tokens.refreshToken };
      return body;
    });

    app.post<{ Body: RevokeParams | undefined }>('/revoke', { schema: revokeSchema }, async (request, reply) => {
      const { token, token_type_hint: hint } = request.body ?? {};
      if (!token) throw fail('invalid_request', 'token is required.');
      const context = requestContext(request);
      // A JWT is an access token: it names its session (sid). Anything else may be a refresh token.
      const claims = hint !== 'refresh_token' && token.split('.').length === 3 ? await verifyAccessToken(token).catch(() => undefined) : undefined;
      if (claims) await auth.logout(claims.sub, claims.sid, context);
      else await auth.logoutWithRefreshToken(token, context);
      return reply.code(200).send();
    });
  };
}

/** RFC 6749 §3.2 / appendix B: form-encoded parameters, each at most once. */
function parseForm(body: string): Record<string, string> {
  // node:querystring decodes as URLSearchParams does (`+`, percent escapes, bad escapes kept as they
  // are) at a fraction of its cost, and gives a repeated name as an array.
  const params = parseQuery(body, '&', '=', { maxKeys: 0 });
  for (const name in params) {
    if (Array.isArray(params[name])) throw fail('invalid_request', `The parameter ${name.slice(0, 40)} must not be repeated.`);
  }
  return params as Record<string, string>;
}

/** RFC 6749 §5.2: core errors answered by the {@link OAUTH_ERROR} table; bad parameters as the RFC says; the rest as everywhere. */
function oauthErrorHandler(error: FastifyError | LatchkeyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof LatchkeyError) {
    const [code, status] = OAUTH_ERROR[error.code];
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    if (error.code === 'invalid_client' && request.headers.authorization) reply.header('www-authenticate', 'Basic realm="latchkey"');
    const description = error.code === 'invalid_credentials' ? 'The username or the password is wrong.' : error.description;
    return sendError(reply, code, description, status);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendError(reply, 'invalid_request', `Send the parameters as ${FORM} (or application/json).`, 400);
  } else if (error.validation?.[0]?.instancePath === '/grant_type' && error.validation[0].keyword === 'enum') {
    return sendError(reply, 'unsupported_grant_type', 'grant_type must be "authorization_code" or "refresh_token".');
  }
  return errorHandler(error, request, reply);
}
