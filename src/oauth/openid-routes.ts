import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fail, LatchkeyError } from '../core/errors.ts';
import type { Session } from '../core/types.ts';
import { errorBody } from '../http/api-docs.ts';
import type { Services } from '../http/app.ts';
import { authenticate, bearerToken } from '../http/bearer.ts';
import { sendError } from '../http/errors.ts';
import { requestContext } from '../http/request-context.ts';
import { AuthorizeError, responseUrl } from './authorize-request.ts';
import { authorizePage, messagePage } from './pages.ts';

const FORM = 'application/x-www-form-urlencoded';
const tags = ['OpenID Connect'];
const continueBody = {
  type: 'object',
  required: ['request', 'ticket'],
  properties: {
    request: { type: 'string', maxLength: 8192, description: 'the authorization request query, as the page got it' },
    ticket: { type: 'string', maxLength: 200 },
    consent: { type: 'string', enum: ['allow', 'deny'] },
  },
} as const;

interface ContinueBody {
  request: string;
  ticket: string;
  consent?: 'allow' | 'deny';
}

/**
 * The OpenID Provider's browser-facing and discovery routes: `GET /oauth/authorize` (the sign-in
 * page, or an error), `POST /oauth/authorize/continue` (the page's next step), `/oauth/userinfo`,
 * `/oauth/logout` and `/.well-known/openid-configuration`. The code grant itself is on
 * `POST /oauth/token` (src/http/oauth-routes.ts).
 */
export function openIdRoutes({ oauth, auth, config, verifyAccessToken }: Services): FastifyPluginAsync {
  /** `LATCHKEY_SIGNUP` (`open` unless set to `closed`), read loosely: the page is filled in as `/account` is. */
  const signup = (config as { readonly signup?: string }).signup ?? 'open';
  const page = async (reply: FastifyReply, status: number, title: string, message: string, warning: boolean) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await messagePage(title, message, warning, reply.server.prefix));
  /** A refusal that cannot go back to an app: a page for a browser, the standard error body for anything else. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, title: string, description: string) =>
    /\btext\/html\b/.test(request.headers.accept ?? '') ? page(reply, 400, title, description, true) : sendError(reply, 'invalid_request', description);

  /** The browser's live session, from the page's access token; `null` when it has none that works. */
  const browserSession = async (request: FastifyRequest): Promise<Session | null> => {
    if (!bearerToken(request)) return null;
    return authenticate(request, verifyAccessToken, auth).then((caller) => caller.session, () => null);
  };

  return async (app) => {
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));

    app.get('/oauth/authorize', { schema: { summary: 'Authorization endpoint (RFC 6749 §4.1, OpenID Connect Core §3.1.2): shows the sign-in page', tags } }, async (request, reply) => {
      const query = rawQuery(request.url);
      try {
        const checked = await oauth.checkRequest(query);
        const html = await authorizePage(checked.client.name, oauth.ticket(query), app.prefix, signup);
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
      } catch (err) {
        if (!(err instanceof AuthorizeError)) throw err;
        if (err.redirectUri === null) return refuse(request, reply, 'Sign-in request refused', err.description);
        return reply.redirect(responseUrl(err.redirectUri, { error: err.error, error_description: err.description, state: err.state }, config.issuer), 302);
      }
    });

    // OpenID Connect Core §3.1.2.1: the authorization endpoint takes POST too; the page reads its request from the URL.
    app.post<{ Body: Record<string, string> | undefined }>('/oauth/authorize', { schema: { hide: true } }, async (request, reply) =>
      reply.redirect(`${app.prefix}/oauth/authorize?${new URLSearchParams(formFields(request.body))}`, 303),
    );

    app.post<{ Body: ContinueBody }>('/oauth/authorize/continue', {
      schema: {
        summary: "The authorize page's next step: sign in, consent, or where to send the browser (Bearer: the page's own access token)",
        tags,
        body: continueBody,
        response: { 400: errorBody },
      },
    }, async (request) => {
      const { request: query, ticket, consent } = request.body;
      try {
        return await oauth.decide(query, ticket, await browserSession(request), consent ?? null);
      } catch (err) {
        if (!(err instanceof AuthorizeError)) throw err;
        if (err.redirectUri === null) throw fail('invalid_request', err.description);
        return { next: 'redirect', url: responseUrl(err.redirectUri, { error: err.error, error_description: err.description, state: err.state }, config.issuer) };
      }
    });

    const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const { session } = await authenticate(request, verifyAccessToken, auth);
        return reply.header('cache-control', 'no-store').send(await oauth.userinfo(session));
      } catch (err) {
        if (err instanceof LatchkeyError && err.code === 'insufficient_scope') {
          reply.header('www-authenticate', `Bearer realm="latchkey", error="insufficient_scope", scope="openid"`);
          return sendError(reply, err.code, err.description);
        }
        throw err;
      }
    };
    const userinfoSchema = { summary: 'UserInfo endpoint (OpenID Connect Core §5.3): the claims the granted scope releases (Bearer)', tags };
    app.get('/oauth/userinfo', { schema: userinfoSchema }, userinfo);
    app.post('/oauth/userinfo', { schema: { ...userinfoSchema, hide: true } }, userinfo);

    const logout = async (request: FastifyRequest, reply: FastifyReply, params: URLSearchParams) => {
      const outcome = await oauth.logout(params, requestContext(request));
      if (outcome.kind === 'redirect') return reply.redirect(outcome.url, request.method === 'POST' ? 303 : 302);
      if (outcome.kind === 'error') return refuse(request, reply, 'Sign-out request refused', outcome.description);
      return page(reply, 200, 'Signed out', outcome.appName ? `You are signed out of ${outcome.appName}.` : 'You are signed out.', false);
    };
    const logoutSchema = { summary: 'RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): id_token_hint, post_logout_redirect_uri, state', tags };
    app.get('/oauth/logout', { schema: logoutSchema }, (request, reply) => logout(request, reply, new URLSearchParams(rawQuery(request.url))));
    app.post<{ Body: Record<string, string> | undefined }>('/oauth/logout', { schema: { ...logoutSchema, hide: true } }, (request, reply) =>
      logout(request, reply, new URLSearchParams(formFields(request.body))),
    );

    app.get('/.well-known/openid-configuration', { schema: { summary: 'OpenID Provider metadata (OpenID Connect Discovery 1.0)', tags } }, async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return oauth.configuration();
    });
  };
}

/** The query string exactly as sent (parameters are checked for repeats, which a parsed object hides). */
function rawQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}

/** A POSTed body as form fields: absent is none; anything but an object of strings (a JSON array, nested values) is a 400, not a 500. */
function formFields(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Object.values(body).some((value) => typeof value !== 'string')) {
    throw fail('invalid_request', 'The request body must be form fields.');
  }
  return body as Record<string, string>;
}
