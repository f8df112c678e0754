import type { NewMail } from '../core/mail-message.ts';
import { MAILING_EVENTS, planMail, type AlertName } from '../core/mail-plan.ts';
import type { NewEvent, Store } from '../core/store.ts';

export interface MailOutboxOptions {
  /** Alert e-mails that are switched on. */
  readonly alerts: ReadonlySet<AlertName>;
  /** Called after messages were recorded, so a sender can look sooner than its next poll. */
  readonly onEnqueued?: () => void;
}

/**
 * Wraps a store so that every security event that causes e-mail records its messages in the mail
 * outbox in the same transaction as the event itself (see core/mail-plan.ts for which event causes
 * which message): the event and its messages land together or not at all, and nothing is sent
 * inside a request or a transaction. A password change or reset also retires the user's unused
 * reset links in that transaction. The core keeps writing events as before and knows nothing of mail.
 *
 * @example
 * const store = withMailOutbox(await openStore(config.store), { alerts: config.mail.alerts, onEnqueued: () => sender.nudge() })
 */
export function withMailOutbox(store: Store, options: MailOutboxOptions): Store {
  let recorded = false; // a message was recorded since the last nudge (races only cost a poll interval)
  const wrap = (inner: Store, top: boolean): Store => {
    const bound = new Map<PropertyKey, unknown>(); // one bound method per name, not one per call (refresh's hot path)
    return new Proxy(inner, {
      get(target, property) {
        if (property === 'transaction') {
          return <T>(work: (s: Store) => Promise<T>) => afterCommit(top, target.transaction((s) => work(wrap(s, false))));
        }
        if (property === 'insertEvents') {
          return (events: readonly NewEvent[]) =>
            afterCommit(top, target.transaction(async (s) => {
              await s.insertEvents(events);
              if (await recordMail(s, events, options.alerts)) recorded = true;
            }));
        }
        if (property === 'enqueueMail') {
          return (mails: readonly NewMail[]) => {
            recorded ||= mails.length > 0;
            return afterCommit(top, target.enqueueMail(mails));
          };
        }
        // The wrapped store may be a proxy itself, over a class with #private fields: every call
        // goes to it with itself as `this`, never with this wrapper.
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (!bound.has(property)) bound.set(property, value.bind(target));
        return bound.get(property);
      },
    });
  };

  const afterCommit = async <T>(top: boolean, write: Promise<T>): Promise<T> => {
    const result = await write;
    if (top && recorded) {
      recorded = false;
      options.onEnqueued?.();
    }
    return result;
  };
  return wrap(store, true);
}

/** Records the messages `events` cause; returns how many. */
async function recordMail(store: Store, events: readonly NewEvent[], alerts: ReadonlySet<AlertName>): Promise<number> {
  const mails: NewMail[] = [];
  for (const event of events) {
    if (!MAILING_EVENTS.has(event.type)) continue;
    const user = await store.findUserById(event.userId);
    if (!user) continue;
    if (event.type === 'password_changed' || event.type === 'password_reset') {
      await store.retireLinks(user.id, ['password_reset'], event.at);
    }
    // The login of this very sign-in is in the same batch: an earlier sign-in is a second login event.
    const loginsNow = events.filter((e) => e.type === 'login' && e.userId === user.id).length;
    const signedInBefore = event.type === 'new_device' && alerts.has('new_device')
      ? (await store.listEvents(user.id, loginsNow + 1, ['login'])).length > loginsNow
      : false;
    mails.push(...planMail(event, { user, alerts, signedInBefore }));
  }
  await store.enqueueMail(mails);
  return mails.length;
}
