/**
 * A position in the event outbox: `(txid, position)`, compared in that order. On PostgreSQL `txid`
 * is the writing transaction's id and readers only pass rows whose transaction ended before every
 * transaction still running (see outbox-reader.ts), so a row that becomes visible later always
 * sorts after every row already read: a follower never skips an event that commits late. On SQLite
 * `txid` is 0 and `position` alone is commit order (one writer at a time).
 */
export interface Cursor {
  readonly txid: number;
  readonly position: number;
}

/** Before every event. */
export const START: Cursor = Object.freeze({ txid: 0, position: 0 });

/** The cursor as clients see it: `<txid>-<position>`, opaque to them. */
export function formatCursor(cursor: Cursor): string {
  return `${cursor.txid}-${cursor.position}`;
}

/** Reads a cursor made by {@link formatCursor}; `undefined` for anything else. */
export function parseCursor(text: string): Cursor | undefined {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(text);
  if (!match) return undefined;
  return { txid: Number(match[1]), position: Number(match[2]) };
}

/** Negative when `a` comes before `b`. */
export function compareCursors(a: Cursor, b: Cursor): number {
  return a.txid - b.txid || a.position - b.position;
}
