import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fail, LatchkeyError } from '../core/errors.ts';
import { isForeignOrigin } from '../core/rules/foreign-origin.ts';
import type { EventType } from '../contract/index.ts';
import type { Services } from './app.ts';
import { authDocs } from './api-docs.ts';
import { authenticate, bearerToken } from './bearer.ts';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie.ts';
import { renderEvent, renderSession, renderSignIn, renderUser } from './render.ts';
import { requestContext } from './request-context.ts';
import { pickLocale } from '../mail/locale.ts';

const email = { type: 'string', minLength: 1, maxLength: 320 } as const;
const password = { type: 'string', minLength: 1, maxLength: 4096 } as const;

const registerBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email, password, name: { type: 'string', maxLength: 200 } },
} as const;
const loginBody = { type: 'object', required: ['email', 'password'], properties: { email, password } } as const;
const passwordBody = {
  type: 'object',
  required: ['currentPassword', 'newPassword'],
  properties: { currentPassword: password, newPassword: password },
} as const;
const sessionParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const scopeQuery = { type: 'object', properties: { scope: { type: 'string', maxLength: 20 } } } as const;
const eventsQuery = {
  type: 'object',
  properties: { limit: { type: 'string', pattern: '^[0-9]{1,3}$' }, types: { type: 'string', maxLength: 500 } },
} as const;

/** The browser API (docs/api.md, "Browser API"): the refresh token travels only in the HttpOnly cookie. */
export function authRoutes(services: Services): FastifyPluginAsync {
  const { auth, config, throttle } = services;
  const caller = (request: FastifyRequest) => authenticate(request, services.verifyAccessToken, auth);
  const checkOrigin = async (request: FastifyRequest) => {
    if (isForeignOrigin(request.headers.origin, config.http.allowedOrigins, config.http.loopbackOrigins ? request.socket.localPort : undefined)) {
      throw fail('invalid_origin', 'This origin may not use the session cookie.');
    }
  };
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

  return async (app) => {
    app.post<{ Body: { email: string; password: string; name?: string } }>(
      '/register',
      { schema: { ...authDocs.register, body: registerBody }, preHandler: checkOrigin },
      async (request, reply) => {
        if (config.signup === 'closed') {
          throw fail('signup_closed', 'Sign-up is closed on this server; ask its operator for an account.');
        }
        const context = requestContext(request);
        await throttle.register(context);
        const user = await auth.register({ ...request.body, locale: pickLocale(request.headers['accept-language']) }, context);
        return reply.code(201).send({ user: renderUser(user) });
      },
    );

    app.post<{ Body: { email: string; password: string } }>(
      '/login',
      { schema: { ...authDocs.login, body: loginBody }, preHandler: checkOrigin },
      async (request, reply) => {
        const context = requestContext(request);
        const knownDevice = services.knownDevices?.isKnown(request, request.body.email) ?? false;
        const tokens = await throttle.login(request.body.email, context, () => auth.login(request.body, context), { knownDevice });
        setRefreshCookie(reply, config.http, tokens.refreshToken, tokens.refreshExpiresIn);
        services.knownDevices?.remember(request, reply, tokens.user.email);
        return noStore(reply).send(renderSignIn(tokens));
      },
    );

    app.post('/refresh', { schema: authDocs.refresh, preHandler: checkOrigin }, async (request, reply) => {
      const token = readRefreshCookie(request, config.http);
      noStore(reply);
      try {
        if (!token) throw fail('invalid_grant', 'No refresh cookie; sign in again.');
        const context = requestContext(request);
        await throttle.refresh(context);
        const tokens = await auth.refresh(token, context);
        setRefreshCookie(reply, config.http, tokens.refreshToken, tokens.refreshExpiresIn);
        return reply.send(renderSignIn(tokens));
      } catch (err) {
        if (err instanceof LatchkeyError && err.code === 'invalid_grant') clearRefreshCookie(reply, config.http);
        throw err;
      }
    });

    app.post('/logout', { schema: authDocs.logout, preHandler: checkOrigin }, async (request, reply) => {
      const context = requestContext(request);
      const token = readRefreshCookie(request, config.http);
      if (token) {
        await auth.logoutWithRefreshToken(token, context);
      } else if (bearerToken(request)) {
        const { session } = await caller(request).catch(() => ({ session: undefined }));
        if (session) await auth.logout(session.userId, session.id, context);
      }
      clearRefreshCookie(reply, config.http);
      return reply.code(204).send();
    });

    app.get('/me', { schema: authDocs.me }, async (request) => {
      const { claims } = await caller(request);
      return { user: renderUser(await auth.user(claims.sub)) };
    });

    app.get('/sessions', { schema: authDocs.sessions }, async (request) => {
      const { session } = await caller(request);
      const sessions = await auth.sessions(session.userId);
      const apps = await services.oauth.store.clientNames(sessions.flatMap((s) => (s.clientId ? [s.clientId] : [])));
      return { sessions: sessions.map((s) => renderSession(s, session.id, apps)) };
    });

    app.delete<{ Params: { id: string } }>('/sessions/:id', { schema: { ...authDocs.revokeSession, params: sessionParams } }, async (request, reply) => {
      const { session } = await caller(request);
      await auth.revokeSession(session.userId, request.params.id, requestContext(request));
      return reply.code(204).send();
    });

    app.delete<{ Querystring: { scope?: string } }>('/sessions', { schema: { ...authDocs.signOut, querystring: scopeQuery } }, async (request) => {
      const { session } = await caller(request);
      const scope = request.query.scope;
      if (scope !== 'others' && scope !== 'all') throw fail('invalid_request', 'scope must be "others" or "all".');
      return { revoked: await auth.signOut(session.userId, session.id, scope, requestContext(request)) };
    });

    app.get<{ Querystring: { limit?: string; types?: string } }>('/events', { schema: { ...authDocs.events, querystring: eventsQuery } }, async (request) => {
      const { session } = await caller(request);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50), 1), 200);
      const types = request.query.types?.split(',').filter(Boolean) as EventType[] | undefined;
      const events = await auth.events(session.userId, limit, types);
      return { events: events.map(renderEvent) };
    });

    app.post<{ Body: { currentPassword: string; newPassword: string } }>(
      '/password',
      { schema: { ...authDocs.password, body: passwordBody } },
      async (request, reply) => {
        const { session } = await caller(request);
        const context = requestContext(request);
        // Guesses of the current password count with the login guesses for this account and IP.
        const { email } = await auth.user(session.userId);
        // From a live session of the account: exempt from the per-account slow-down, like a known device.
        await throttle.login(email, context, () => auth.changePassword(session.userId, session.id, request.body, context), { knownDevice: true });
        return reply.code(204).send();
      },
    );
  };
}
