/** The part of a Fastify app {@link drainConnectionsOnClose} needs. */
interface HookTarget {
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
  addHook(
    name: 'onSend',
    hook: (request: unknown, reply: { header(name: string, value: string): unknown }, payload: unknown, done: (err: null, payload: unknown) => void) => void,
  ): unknown;
}

/**
 * Makes `app.close()` finish promptly: once closing has begun, every response still being answered
 * goes out with `Connection: close`, so its keep-alive connection ends with it instead of idling
 * until the keep-alive timeout (which would hold the close open). Idle connections are closed by
 * Fastify itself; new requests get 503 (`return503OnClosing`).
 *
 * @example
 * const app = Fastify({ return503OnClosing: true })
 * drainConnectionsOnClose(app)
 */
export function drainConnectionsOnClose(app: HookTarget): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
