import { randomUUID } from 'node:crypto';
import type { NewEvent, Store } from './store.ts';
import type { AccountLink, LinkPurpose, LinkTokenCodec } from './account-link.ts';
import type { Auth } from './auth.ts';
import type { Clock } from './clock.ts';
import { fail, type LatchkeyError } from './errors.ts';
import type { EventDetail, EventType } from '../contract/index.ts';
import { normalizeEmail, type RequestContext, type UserRecord } from './types.ts';

/** What the account-mail flows (reset, verification, e-mail change) share. */
export interface FlowDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly links: LinkTokenCodec;
  /** Told of the events a flow stored (logs, metrics, delivery), once they are committed. */
  readonly auth: Pick<Auth, 'told'>;
}

/** A security event of `type` from `request` (null: an operator) at the clock's now. */
export function newEvent(
  clock: Clock,
  type: EventType,
  userId: string,
  request: RequestContext | null,
  detail: EventDetail | null = null,
  sessionId: string | null = null,
): NewEvent {
  return { id: randomUUID(), userId, type, at: clock.now(), sessionId, ip: request?.ip ?? null, userAgent: request?.userAgent ?? null, detail };
}

/** The one answer to every bad link, so that a link's state cannot be probed. */
export function badLink(): LatchkeyError {
  return fail('invalid_link', 'This link is invalid, has expired, or was already used or replaced by a newer one. Ask for a new one.');
}

/**
 * Opens the link a token names: genuine (MAC), for one of `purposes`, unused, unexpired, and its
 * account still enabled and (except e-mail changes) still at the address the link was sent to.
 * @throws invalid_link
 */
export async function openLink(deps: FlowDeps, token: unknown, purposes: readonly LinkPurpose[]): Promise<{ link: AccountLink; user: UserRecord }> {
  const parsed = deps.links.parse(token);
  const link = parsed && (await deps.store.findLink(parsed.id));
  if (!parsed || !link || !purposes.includes(link.purpose) || !deps.links.verify(parsed.mac, link)) throw badLink();
  if (link.usedAt !== null || deps.clock.now() >= link.expiresAt) throw badLink();
  const user = await deps.store.findUserById(link.userId);
  if (!user || user.disabledAt !== null) throw badLink();
  if (link.purpose !== 'email_change' && normalizeEmail(user.email) !== normalizeEmail(link.email)) throw badLink();
  return { link, user };
}
