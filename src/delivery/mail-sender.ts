import type { Clock } from '../core/clock.ts';
import type { OutboxMail } from '../core/mail-message.ts';
import type { MailComposer } from '../mail/mail-composer.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { LinkStore, MailStore } from '../core/mail-store.ts';

/** Finished messages (sent, skipped, failed) stay this long for `latchkey mail list`, then go. */
export const KEEP_FINISHED_MAIL_MS = 7 * 86_400_000;
/** Expired links stay this long (a late click still finds "expired", not "unknown"), then go. */
const KEEP_EXPIRED_LINKS_MS = 86_400_000;
const SWEEP_EVERY_MS = 10 * 60_000;

export interface MailSenderOptions {
  readonly store: MailStore & Pick<LinkStore, 'sweepLinks'>;
  readonly composer: Pick<MailComposer, 'compose'>;
  readonly transport: MailTransport;
  readonly clock: Clock;
  /** Seconds a claimed message stays leased to this sender. */
  readonly lease: number;
  /** Seconds before the first retry; doubled each time, at most an hour. */
  readonly retryDelay: number;
  /** Attempts before a message is given up as `failed` (`latchkey mail retry` re-drives it). */
  readonly maxAttempts: number;
  /** Milliseconds between two looks at the outbox when nobody nudges (default 1000). */
  readonly pollMs?: number;
  /** Messages claimed at once (default 10). */
  readonly batch?: number;
  readonly log?: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
  /** Told of each attempt's outcome (metrics). */
  readonly onOutcome?: (outcome: 'sent' | 'skipped' | 'retry' | 'failed') => void;
}

/**
 * Delivers the mail outbox: claims due messages (a lease, so that of many instances on one database
 * only one holds a message at a time), composes and sends each, and records the outcome. A failed
 * send is tried again after `retryDelay`, `2 × retryDelay`, ... (at most an hour apart) until
 * `maxAttempts`. Delivery is at-least-once: a process killed after the server accepted a message
 * but before the outcome was recorded sends it again when the lease runs out, with the same
 * Message-ID. Nothing is lost: a message leaves the outbox's `pending` state only once recorded.
 *
 * @example
 * const sender = new MailSender({ store, composer, transport, clock, lease: 60, retryDelay: 10, maxAttempts: 12 })
 * sender.start()
 * // ... on shutdown:
 * await sender.stop()
 */
export class MailSender {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #closing = false;
  #again = false;
  #sweptAt = 0;

  constructor(private readonly o: MailSenderOptions) {}

  /** Starts looking at the outbox every `pollMs`. */
  start(): void {
    this.#stopped = false;
    this.#closing = false;
    this.#schedule(0);
  }

  /** Looks at the outbox soon (a message was just recorded). */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(5);
  }

  /**
   * Stops looking and waits (at most `waitMs`) for the message being sent: one stuck on a slow mail
   * server is left to its lease, so a shutdown stays quick and the message is sent again later.
   */
  async stop(waitMs = 2000): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    clearTimeout(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#running, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Claims and handles one batch; returns how many messages it claimed. */
  async runOnce(): Promise<number> {
    const now = this.o.clock.now();
    const batch = await this.o.store.claimMail(now, now + this.o.lease * 1000, this.o.batch ?? 10);
    for (const mail of batch) {
      if (this.#closing) break; // the rest go back when their lease runs out
      await this.#deliver(mail);
    }
    return batch.length;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    let full = false;
    this.#running = (async () => {
      try {
        full = (await this.runOnce()) >= (this.o.batch ?? 10);
        await this.#sweepIfDue();
      } catch (err) {
        this.o.log?.warn({ err: { message: (err as Error).message } }, 'mail outbox: could not claim messages');
      }
    })();
    await this.#running;
    this.#running = undefined;
    if (this.#stopped) return;
    const again = full || this.#again;
    this.#again = false;
    this.#schedule(again ? 0 : (this.o.pollMs ?? 1000));
  }

  /** Every ten minutes: drops finished messages older than a week and links expired over a day ago. */
  async #sweepIfDue(): Promise<void> {
    const now = this.o.clock.now();
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    await this.o.store.sweepMail(now - KEEP_FINISHED_MAIL_MS, 500);
    await this.o.store.sweepLinks(now - KEEP_EXPIRED_LINKS_MS, 500);
  }

  async #deliver(mail: OutboxMail): Promise<void> {
    const { store, clock } = this.o;
    try {
      const outgoing = await this.o.composer.compose(mail);
      if ('skip' in outgoing) {
        await store.finishMail(mail.id, mail.attempts, { status: 'skipped', at: clock.now(), note: outgoing.skip });
        this.o.onOutcome?.('skipped');
        return;
      }
      await this.o.transport.send(outgoing);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const giveUp = mail.attempts >= this.o.maxAttempts;
      const delay = Math.min(this.o.retryDelay * 2 ** (mail.attempts - 1), 3600) * 1000;
      await store
        .finishMail(mail.id, mail.attempts, { status: giveUp ? 'failed' : 'pending', nextAttemptAt: clock.now() + delay, error })
        .catch(() => {}); // the lease runs out and the message is tried again
      (giveUp ? this.o.log?.error : this.o.log?.warn)?.call(this.o.log, { mailId: mail.id, kind: mail.kind, attempt: mail.attempts, error },
        giveUp ? 'mail delivery failed for good (latchkey mail retry re-drives it)' : 'mail delivery failed; will retry');
      this.o.onOutcome?.(giveUp ? 'failed' : 'retry');
      return;
    }
    // Sent. If recording that fails, the lease runs out and the message goes again (same Message-ID).
    await store.finishMail(mail.id, mail.attempts, { status: 'sent', at: clock.now() }).catch((err: Error) =>
      this.o.log?.warn({ mailId: mail.id, err: { message: err.message } }, 'mail sent but not recorded; it may be sent again'),
    );
    this.o.onOutcome?.('sent');
  }
}
