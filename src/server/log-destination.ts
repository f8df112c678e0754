import fs from 'node:fs';

/** Bytes of log lines held while the destination does not take them; beyond it lines are dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface LogDestinationOptions {
  /** Bytes of lines held while the destination does not take them; default 4 MiB. */
  readonly maxBufferedBytes?: number;
}
/** First wait before retrying a destination that answered "full" (EAGAIN); doubles up to the maximum. */
const RETRY_MS = 10;
const MAX_RETRY_MS = 1000;
/** Errors after which the destination will never take a line again: stop trying. */
const PERMANENT = new Set(['EPIPE', 'EBADF', 'EINVAL', 'ECONNRESET']);

/**
 * Where the server's log lines go (pino's stream): a file descriptor written without ever blocking
 * the server or its exit, whatever the reader does.
 *
 * - Lines written during one turn of the event loop go out in one `write(2)`, after that turn.
 * - Pipes and sockets are switched to non-blocking mode, so a reader that stops reading (a paused
 *   log shipper, any full pipe) makes a write answer EAGAIN instead of waiting: the lines stay
 *   buffered (up to 4 MiB) and are retried later; beyond that, new lines are dropped.
 * - A destination that fails (EPIPE: the reader is gone; ENOSPC: the disk is full; ...) drops the
 *   lines. Either way the first loss is reported once on stderr, and serving goes on.
 * - {@link flushSync} is the final flush: it writes what is buffered until a deadline and then gives
 *   up, so an exit never waits on the destination longer than its caller allows.
 *
 * @example
 * const destination = new LogDestination(1)
 * Fastify({ logger: { level: 'info', stream: destination } })
 * process.on('beforeExit', () => destination.flushSync(Date.now() + 1000))
 */
export class LogDestination {
  readonly #fd: number;
  readonly #report: (message: string) => void;
  readonly #maxBytes: number;
  #lines: string[] = [];
  #bytes = 0;
  /** Bytes a write took only in part (or not at all: EAGAIN), sent before any newer line. */
  #pending: Buffer | undefined;
  /** How many lines (some perhaps in part) `#pending` holds. */
  #pendingLines = 0;
  #scheduled = false;
  #retryMs = RETRY_MS;
  #broken = false;
  #closed = false;
  #reported = false;
  /** Lines lost and not yet told; the count goes to the log once it takes lines again. */
  #dropped = 0;
  /** How many of those the line now pending tells. */
  #telling = 0;
  /** Lines lost in all. */
  droppedTotal = 0;

  /**
   * @param fd the descriptor to write to (1 for stdout, 2 for stderr, or an open file)
   * @param report where the first loss is told; default: a line on stderr
   */
  constructor(fd: number, report: (message: string) => void = writeStderr, options: LogDestinationOptions = {}) {
    this.#fd = fd;
    this.#report = report;
    this.#maxBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    makeNonBlocking(fd);
  }

  /** Queues one log line (pino's stream interface). Never throws, never blocks. */
  write(line: string): boolean {
    if (this.#closed) {
      // After the final flush (a line logged on the way out): one attempt, no waiting.
      if (!this.#broken) this.#tryDirect(line);
      return true;
    }
    if (this.#broken || this.#bytes + line.length > this.#maxBytes) {
      this.#drop(1, this.#broken ? 'the destination failed' : 'the reader is not keeping up');
      return true;
    }
    this.#lines.push(line);
    this.#bytes += line.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushLater);
    }
    return true;
  }

  /**
   * Writes what is buffered, waiting for a full destination until `deadline` (epoch ms) at most;
   * what is still unwritten then is dropped. Afterwards the destination takes no more lines.
   */
  flushSync(deadline: number): void {
    if (this.#closed) return;
    this.#closed = true;
    let wait = 1;
    while (!this.#broken && (this.#pending || this.#lines.length > 0)) {
      if (this.#writeOnce() !== 'full') continue;
      if (Date.now() + wait > deadline) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
      wait = Math.min(wait * 2, 50);
    }
    const left = this.#lines.length + (this.#pending ? this.#pendingLines : 0);
    if (left > 0) this.#drop(left, 'the reader is not keeping up at exit');
    this.#lines = [];
    this.#bytes = 0;
    this.#pending = undefined;
  }

  readonly #flushLater = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    while (this.#pending || this.#lines.length > 0) {
      const result = this.#writeOnce();
      if (result === 'full') {
        this.#scheduled = true;
        setTimeout(this.#flushLater, this.#retryMs).unref();
        this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
        return;
      }
      if (result === 'failed') return;
    }
    this.#retryMs = RETRY_MS;
  };

  /** One write(2) of the pending bytes, or else of every buffered line. */
  #writeOnce(): 'written' | 'full' | 'failed' {
    let data: Buffer | string;
    let count: number;
    if (this.#pending) {
      data = this.#pending;
      count = this.#pendingLines;
    } else {
      count = this.#lines.length;
      if (this.#dropped > 0) {
        this.#telling = this.#dropped;
        this.#lines.unshift(droppedLine(this.#dropped));
      }
      data = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('');
      this.#lines = [];
      this.#bytes = 0;
    }
    try {
      const written = typeof data === 'string' ? fs.writeSync(this.#fd, data) : fs.writeSync(this.#fd, data);
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      this.#pending = written < size ? Buffer.from(data).subarray(written) : undefined;
      this.#pendingLines = count;
      if (!this.#pending) {
        this.#dropped -= this.#telling;
        this.#telling = 0;
      }
      return 'written';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        this.#pending = typeof data === 'string' ? Buffer.from(data) : data;
        this.#pendingLines = count;
        return 'full';
      }
      this.#pending = undefined;
      this.#telling = 0;
      if (PERMANENT.has(code)) this.#broken = true;
      this.#drop(count, code);
      return 'failed';
    }
  }

  #tryDirect(line: string): void {
    try {
      fs.writeSync(this.#fd, line);
    } catch {
      this.droppedTotal++;
    }
  }

  #drop(count: number, reason: string): void {
    this.#dropped += count;
    this.droppedTotal += count;
    if (this.#reported) return;
    this.#reported = true;
    this.#report(`latchkey: log lines are being dropped (${reason}); the server keeps serving\n`);
  }
}

/** A pino-shaped warning that `count` lines were lost, written first once the destination recovers. */
function droppedLine(count: number): string {
  return `{"level":40,"time":${Date.now()},"pid":${process.pid},"dropped":${count},"msg":"log lines dropped: the log destination did not take them"}\n`;
}

function writeStderr(message: string): void {
  try {
    makeNonBlocking(2);
    fs.writeSync(2, message);
  } catch {
    // nowhere left to say it
  }
}

/**
 * Node puts stdout and stderr in non-blocking mode when they are pipes or sockets, as soon as
 * `process.stdout` / `process.stderr` are first touched: touch them. Files never block that way.
 */
function makeNonBlocking(fd: number): void {
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFIFO() && !stat.isSocket()) return;
    if (fd === 1) void process.stdout.fd;
    else if (fd === 2) void process.stderr.fd;
  } catch {
    // a closed descriptor: writes will fail and be reported
  }
}
