import type { FastifyRequest } from 'fastify';
import { fail } from '../core/errors.ts';
import type { RequestContext } from '../core/types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request each context was made from: the core hands the context back with the events it caused. */
const origins = new WeakMap<RequestContext, FastifyRequest>();

/** The request `context` was made from by {@link requestContext}; `undefined` for any other context. */
export function requestOf(context: RequestContext | null): FastifyRequest | undefined {
  return context === null ? undefined : origins.get(context);
}

/**
 * The device data of a request, as the core wants it. The IP is Fastify's `request.ip`: the socket
 * address, or the `X-Forwarded-For` entry named by a proxy in `LATCHKEY_TRUST_PROXY`.
 * @throws invalid_request when `X-Device-Id` is present but not a UUID
 */
export function requestContext(request: FastifyRequest): RequestContext {
  const deviceId = request.headers['x-device-id'];
  if (deviceId !== undefined && (typeof deviceId !== 'string' || !UUID.test(deviceId))) {
    throw fail('invalid_request', 'X-Device-Id must be a UUID.');
  }
  const context: RequestContext = {
    userAgent: (request.headers['user-agent'] ?? '').slice(0, 512),
    ip: request.ip,
    deviceId: deviceId?.toLowerCase() ?? null,
  };
  origins.set(context, request);
  return context;
}
