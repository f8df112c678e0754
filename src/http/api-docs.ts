import type { ErrorCode } from '../contract/index.ts';
import { ERROR_STATUS, OAUTH_ERROR } from './error-status.ts';

/**
 * Response shapes and descriptions of the HTTP API, for the OpenAPI document (`/openapi.json`).
 * Routes spread these into their `schema`. Fastify also serializes responses with them, so each
 * shape lists every field the route sends (objects with open-ended members keep them with
 * `additionalProperties: true`).
 */

const codes = Object.keys(ERROR_STATUS) as ErrorCode[];

/** Every error code with its status on each API, e.g. `invalid_grant (401; OAuth API: 400)`. */
const codeList = codes
  .map((code) => {
    const [oauthCode, oauthStatus] = OAUTH_ERROR[code];
    const oauth = oauthCode === code && oauthStatus === ERROR_STATUS[code] ? '' : `; OAuth API: ${oauthCode} ${oauthStatus}`;
    return `${code} (${ERROR_STATUS[code]}${oauth})`;
  })
  .join(', ');

export const errorBody = {
  type: 'object',
  description: 'Every error: a stable code and a text for humans.',
  required: ['error', 'error_description'],
  properties: {
    error: { type: 'string', enum: codes, description: `The stable code, with its HTTP status: ${codeList}.` },
    error_description: { type: 'string' },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

const deviceShape = {
  type: 'object',
  properties: {
    browser: { type: 'string' },
    os: { type: 'string' },
    type: { type: 'string', enum: ['desktop', 'mobile', 'tablet', 'unknown'] },
  },
} as const;

export const userShape = {
  type: 'object',
  required: ['id', 'email', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    emailVerified: { type: 'boolean', description: 'whether the user followed the confirmation link sent to this address' },
  },
} as const;

const sessionShape = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    current: { type: 'boolean', description: "true for the caller's own session (the access token's sid)" },
    createdAt: { type: 'string', format: 'date-time' },
    lastActiveAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    ip: { type: 'string' },
    lastIp: { type: 'string' },
    userAgent: { type: 'string' },
    deviceId: nullableString,
    device: deviceShape,
    app: {
      type: ['object', 'null'],
      description: 'the app (OAuth client) whose sign-in started this session; null for a sign-in to latchkey itself',
      properties: { clientId: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

const eventShape = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    sessionId: nullableString,
    ip: nullableString,
    userAgent: nullableString,
    device: {
      description: 'The device of the session the event is about (as parsed at its sign-in), not of whoever caused the event',
      ...deviceShape,
    },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const signIn = {
  type: 'object',
  description: 'An access token; the refresh token is only in the HttpOnly cookie.',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer' },
    session_id: { type: 'string', format: 'uuid' },
    user: userShape,
  },
} as const;

const empty = { type: 'null', description: 'No content.' } as const;
const bearer = [{ bearer: [] }];
const cookie = [{ refreshCookie: [] }];
const tags = ['browser API'];

/** `summary`, `tags`, `security` and `response` of each browser-API route. */
export const authDocs = {
  register: {
    summary: 'Create an account',
    tags,
    response: {
      201: { type: 'object', properties: { user: userShape } },
      400: { ...errorBody, description: 'invalid_request, or weak_password (the reason in error_description)' },
      403: { ...errorBody, description: 'invalid_origin, or signup_closed while LATCHKEY_SIGNUP=closed' },
      409: { ...errorBody, description: 'email_taken' },
      429: { ...errorBody, description: 'too_many_requests (sign-ups from one IP), with Retry-After' },
    },
  },
  login: {
    summary: 'Sign in: access token in the body, refresh token in an HttpOnly cookie',
    tags,
    response: {
      200: signIn, 400: errorBody, 401: errorBody, 429: errorBody,
      403: { ...errorBody, description: 'email_not_verified, with LATCHKEY_REQUIRE_VERIFIED_EMAIL=true (POST /auth/email/verification sends the link again)' },
    },
  },
  refresh: {
    summary: 'Rotate the refresh cookie and get a new access token',
    tags,
    security: cookie,
    response: { 200: signIn, 401: errorBody, 403: errorBody },
  },
  logout: {
    summary: "End this device's session (cookie or Bearer); idempotent",
    tags,
    security: [...cookie, ...bearer],
    response: { 204: empty, 403: errorBody },
  },
  me: {
    summary: 'The signed-in user',
    tags,
    security: bearer,
    response: { 200: { type: 'object', properties: { user: userShape } }, 401: errorBody },
  },
  sessions: {
    summary: "The user's live sessions, most recently used first",
    tags,
    security: bearer,
    response: { 200: { type: 'object', properties: { sessions: { type: 'array', items: sessionShape } } }, 401: errorBody },
  },
  revokeSession: {
    summary: 'End one of the user\'s sessions',
    tags,
    security: bearer,
    response: { 204: empty, 401: errorBody, 404: errorBody },
  },
  signOut: {
    summary: 'End every other session (scope=others) or every session (scope=all)',
    tags,
    security: bearer,
    response: { 200: { type: 'object', properties: { revoked: { type: 'integer' } } }, 400: errorBody, 401: errorBody },
  },
  events: {
    summary: "The user's security events, newest first",
    tags,
    security: bearer,
    response: { 200: { type: 'object', properties: { events: { type: 'array', items: eventShape } } }, 401: errorBody },
  },
  password: {
    summary: 'Change the password; every other session of the user ends',
    tags,
    security: bearer,
    response: { 204: empty, 400: errorBody, 401: errorBody },
  },
} as const;
