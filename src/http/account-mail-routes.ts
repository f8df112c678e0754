import type { FastifyPluginAsync } from 'fastify';
import type { AccountOperator } from '../core/account-operator.ts';
import type { EmailChange } from '../core/email-change.ts';
import type { EmailVerification } from '../core/email-verification.ts';
import type { PasswordReset } from '../core/password-reset.ts';
import { pickLocale } from '../mail/locale.ts';
import { errorBody } from './api-docs.ts';
import type { Services } from './app.ts';
import { authenticate } from './bearer.ts';
import type { MailRequestThrottle } from '../rate-limit/mail-request-throttle.ts';
import { requestContext } from './request-context.ts';

/** The e-mail flows the HTTP layer calls (built by src/server.ts). */
export interface AccountMailServices {
  readonly reset: PasswordReset;
  readonly verification: EmailVerification;
  readonly emailChange: EmailChange;
  readonly throttle: MailRequestThrottle;
  /** The operator's commands (CLI), not routed. */
  readonly operator: AccountOperator;
}

const tags = ['Account e-mail'];
const email = { type: 'string', minLength: 1, maxLength: 320 } as const;
const password = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const token = { type: 'string', minLength: 1, maxLength: 200, description: 'the token after #reset= or #verify= in the e-mailed link' } as const;
const accepted = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['accepted'] }, message: { type: 'string' } },
} as const;
const ACCEPTED_RESET = { status: 'accepted', message: 'If an account uses this address, a link to reset its password is on its way.' };
const ACCEPTED_VERIFY = { status: 'accepted', message: 'If an unverified account uses this address, a new confirmation link is on its way.' };

/**
 * Password reset, e-mail verification and e-mail change (`/auth/password/forgot`,
 * `/auth/password/reset`, `/auth/email/verification`, `/auth/email/verify`, `/auth/email`).
 * `forgot` and the verification resend answer before any work that depends on the account: one
 * write, the same for every address (core/password-reset.ts).
 */
export function accountMailRoutes(services: Services, mail: AccountMailServices): FastifyPluginAsync {
  const { auth, throttle: loginThrottle } = services;
  return async (app) => {
    app.post<{ Body: { email: string } }>(
      '/password/forgot',
      {
        schema: {
          summary: 'Asks for a password reset link. Always 202 with the same body, whether or not an account uses the address.',
          tags,
          body: { type: 'object', required: ['email'], properties: { email } },
          response: { 202: accepted, 400: errorBody, 429: { ...errorBody, description: 'too many requests from this IP' } },
        },
      },
      async (request, reply) => {
        const context = requestContext(request);
        if (await mail.throttle.admit('password_reset', request.body.email, context)) {
          await mail.reset.request(request.body.email, pickLocale(request.headers['accept-language']), context);
        }
        return reply.code(202).send(ACCEPTED_RESET);
      },
    );

    app.post<{ Body: { token: string; newPassword: string } }>(
      '/password/reset',
      {
        schema: {
          summary: 'Sets a new password with a reset link; ends every session of the user',
          tags,
          body: { type: 'object', required: ['token', 'newPassword'], properties: { token, newPassword: password } },
          response: { 204: { type: 'null' }, 400: { ...errorBody, description: 'invalid_link, weak_password, invalid_request' }, 429: errorBody },
        },
      },
      async (request, reply) => {
        const context = requestContext(request);
        await mail.throttle.checkIp('link', context);
        await mail.reset.reset(request.body.token, request.body.newPassword, context);
        return reply.code(204).send();
      },
    );

    app.post<{ Body: { email: string } }>(
      '/email/verification',
      {
        schema: {
          summary: 'Sends the confirmation link again. Always 202 with the same body, whether or not an account uses the address.',
          tags,
          body: { type: 'object', required: ['email'], properties: { email } },
          response: { 202: accepted, 400: errorBody, 429: errorBody },
        },
      },
      async (request, reply) => {
        const context = requestContext(request);
        if (await mail.throttle.admit('verify_email', request.body.email, context)) {
          await mail.verification.request(request.body.email, pickLocale(request.headers['accept-language']), context);
        }
        return reply.code(202).send(ACCEPTED_VERIFY);
      },
    );

    app.post<{ Body: { token: string } }>(
      '/email/verify',
      {
        schema: {
          summary: 'Follows a confirmation link: verifies the address, or completes an e-mail change',
          tags,
          body: { type: 'object', required: ['token'], properties: { token } },
          response: {
            200: {
              type: 'object',
              properties: { outcome: { type: 'string', enum: ['verified', 'email_changed'] }, email: { type: 'string' } },
            },
            400: { ...errorBody, description: 'invalid_link' },
            409: { ...errorBody, description: 'email_taken: another account took the new address meanwhile' },
            429: errorBody,
          },
        },
      },
      async (request) => {
        const context = requestContext(request);
        await mail.throttle.checkIp('link', context);
        return mail.verification.confirm(request.body.token, context);
      },
    );

    app.post<{ Body: { currentPassword: string; newEmail: string } }>(
      '/email',
      {
        schema: {
          summary: 'Asks to change the e-mail address (Bearer): a link goes to the new address, a notice to the current one',
          tags,
          security: [{ bearer: [] }],
          body: { type: 'object', required: ['currentPassword', 'newEmail'], properties: { currentPassword: password, newEmail: email } },
          response: {
            202: accepted,
            400: { ...errorBody, description: 'invalid_request' },
            401: { ...errorBody, description: 'invalid_token, invalid_credentials' },
            409: { ...errorBody, description: 'email_taken' },
            429: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { session } = await authenticate(request, services.verifyAccessToken, auth);
        const context = requestContext(request);
        const { email: current } = await auth.user(session.userId);
        // Guesses of the current password count with the login guesses for this account and IP.
        await loginThrottle.login(current, context, () => mail.emailChange.request(session.userId, request.body, context));
        return reply.code(202).send({ status: 'accepted', message: 'A confirmation link is on its way to the new address.' });
      },
    );
  };
}
