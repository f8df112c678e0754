import { StoreUnavailable } from '../core/store.ts';

/** Driver codes that mean "the database cannot be reached or is overloaded right now", not "the request is bad". */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_IOERR',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, connection exceptions
  '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004',
  // statement_timeout / lock wait cancelled, too many connections, lock not available: overloaded, try again
  '57014', '53300', '55P03',
]);

const OUTAGE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Query read timeout|Postgres connection has been discarded/i;

/** True for a driver error that means the database is unavailable (SQLite or PostgreSQL). */
export function isOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
  return typeof message === 'string' && OUTAGE_MESSAGE.test(message);
}

/** `error` as the core sees it: a {@link StoreUnavailable} for an outage (the driver error as its cause), else unchanged. */
export function storeError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || !isOutage(error)) return error;
  const { message } = error as { message?: unknown };
  return new StoreUnavailable(typeof message === 'string' ? message : 'database unavailable', { cause: error });
}

/**
 * Wraps a store so that every method that fails for an outage rejects with {@link StoreUnavailable}
 * (the port's promise) instead of the driver's own error. Other errors pass through unchanged.
 *
 * @example
 * return raisingStoreUnavailable(new KyselyStore(db))
 */
export function raisingStoreUnavailable<S extends object>(store: S): S {
  const wrapped = new Map<PropertyKey, { readonly method: unknown; readonly wrapper: unknown }>(); // one wrapper per method, not one per call
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      const known = wrapped.get(property);
      if (known?.method === value) return known.wrapper;
      const wrapper = function (this: unknown, ...args: unknown[]) {
        const result = value.apply(this === receiver ? target : this, args);
        return result instanceof Promise ? result.catch(raiseStoreError) : result;
      };
      wrapped.set(property, { method: value, wrapper });
      return wrapper;
    },
  });
}

function raiseStoreError(err: unknown): never {
  throw storeError(err);
}
