import pg from 'pg';

/** The channel the outbox trigger notifies (see migration.ts). */
export const OUTBOX_CHANNEL = 'latchkey_outbox';

/**
 * Holds one PostgreSQL connection that `LISTEN`s on the outbox channel and calls `onNotify` for
 * each notification, which PostgreSQL sends when a transaction that wrote outbox rows commits
 * (from any instance, or the CLI). When the connection drops it reconnects (after 0.5 s, growing to
 * 5 s) and calls `onNotify` once connected again, since notifications sent meanwhile are lost.
 *
 * @example
 * const stop = listenForOutbox(url, () => waker.wake())
 */
export function listenForOutbox(url: string, onNotify: () => void): { close(): Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let delay = 500;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, keepAlive: true });
    client = c;
    const lost = () => {
      if (client !== c) return;
      client = undefined;
      c.end().catch(() => {});
      if (!closed) {
        retry = setTimeout(connect, delay);
        retry.unref();
        delay = Math.min(delay * 2, 5000);
      }
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', () => onNotify());
    try {
      await c.connect();
      await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
      delay = 500;
      onNotify();
    } catch {
      lost();
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
