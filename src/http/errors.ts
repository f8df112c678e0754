import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../contract/index.ts';
import { LatchkeyError } from '../core/errors.ts';
import { StoreUnavailable } from '../core/store.ts';
import { ERROR_STATUS } from './error-status.ts';

/** Sends `{error, error_description}` with the code's one status. */
export function sendError(reply: FastifyReply, code: ErrorCode, description: string, status: number = ERROR_STATUS[code]): FastifyReply {
  if (code === 'invalid_token') {
    reply.header('www-authenticate', `Bearer realm="latchkey", error="invalid_token", error_description="${description.replaceAll('"', "'")}"`);
  }
  return reply.code(status).type('application/json; charset=utf-8').send({ error: code, error_description: description });
}

/**
 * Every error leaves through here: domain errors with their status, bad input as 4xx, a
 * database outage as 503, anything else as a 500 that says nothing about the inside.
 */
export function errorHandler(error: FastifyError | LatchkeyError | StoreUnavailable, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof LatchkeyError) {
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    return sendError(reply, error.code, error.description);
  }
  if (error instanceof StoreUnavailable) {
    const cause = error.cause as { code?: unknown } | undefined;
    request.log.error({ err: { message: error.message, code: cause?.code } }, 'database unavailable');
    reply.header('retry-after', '5');
    return sendError(reply, 'service_unavailable', 'The service is temporarily unavailable; try again shortly.');
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
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return sendError(reply, 'invalid_request', 'The request is malformed.', error.statusCode);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 'server_error', 'Something went wrong on our side.');
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large (at most 16 KiB in all).'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
};

/**
 * Fastify's `clientErrorHandler`: requests Node cannot even parse (bad request line, headers over
 * Node's 16 KiB `maxHeaderSize`, a request slower than `requestTimeout`) get the standard error body
 * too, then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, description] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'The request is malformed.'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  // As Node does: no second answer on a socket whose response has started (e.g. the unread body
  // of a request already refused, parsed as a next request after `Connection: close`).
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
