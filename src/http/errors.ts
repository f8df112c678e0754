import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LatchkeyError, type ErrorCode } from '../core/errors.ts';
import { ERROR_STATUS } from './error-status.ts';

/** Sends `{error, error_description}` with the code's one status. */
export function sendError(reply: FastifyReply, code: ErrorCode, description: string, status = ERROR_STATUS[code]): FastifyReply {
  if (code === 'invalid_token') {
    reply.header('www-authenticate', `Bearer realm="latchkey", error="invalid_token", error_description="${description.replaceAll('"', "'")}"`);
  }
  return reply.code(status).type('application/json; charset=utf-8').send({ error: code, error_description: description });
}

/**
 * Every error leaves through here: domain errors with their status, bad input as 4xx, a
 * database outage as 503, anything else as a 500 that says nothing about the inside.
 */
export function errorHandler(error: FastifyError | LatchkeyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof LatchkeyError) {
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    return sendError(reply, error.code, error.description);
  }
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return sendError(reply, 'invalid_request', `Invalid ${where}: ${error.validation[0]?.instancePath || ''} ${error.validation[0]?.message ?? ''}`.replace(/\s+/g, ' ').trim());
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 'payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 'unsupported_media_type', 'Send the body as application/json.');
  }
  if (isStoreOutage(error)) {
    request.log.error({ err: { message: error.message, code: error.code } }, 'database unavailable');
    reply.header('retry-after', '5');
    return sendError(reply, 'service_unavailable', 'The service is temporarily unavailable; try again shortly.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return sendError(reply, 'invalid_request', 'The request is malformed.', error.statusCode);
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'server_error', error_description: 'Something went wrong on our side.' });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
}

const OUTAGE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_IOERR',
  '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004',
]);

/** True for errors that mean "the database cannot be reached right now", not "the request is bad". */
export function isStoreOutage(error: { code?: unknown; message?: unknown }): boolean {
  if (typeof error.code === 'string' && OUTAGE_CODES.has(error.code)) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(message);
}
