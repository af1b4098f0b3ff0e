import pino from 'pino';

export type Logger = pino.Logger;

/** Header and body fields that must never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'secret',
  '*.password',
  '*.token',
  '*.secret',
];

/** Replaces invite tokens, API keys and other secrets that can appear in URLs. */
export function redactUrl(url: string): string {
  // Most URLs hold neither; the replacements below cost more than these two scans.
  if (!url.includes('/invite') && !url.includes('gnt_')) return url;
  return url
    .replace(/\/(invites?)\/[A-Za-z0-9_-]{16,}/g, '/$1/[redacted]')
    .replace(/gnt_[A-Za-z0-9_-]+/g, 'gnt_[redacted]');
}

/** The process logger; `destination` (default stdout) lets tests read what is logged. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Only what helps to debug a request; never headers, which carry cookies and keys.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
  return pino(options, destination ?? stdoutDestination());
}

/** Lines handed to stdout at a time, at most (see {@link LineBatch}). */
const BATCH_BYTES = 16 * 1024;
const BATCH_INTERVAL_MS = 250;

/**
 * Gathers log lines and hands them to a stream a batch at a time: sonic-boom measures its
 * whole pending buffer on every write, which made each request's log line cost more than
 * formatting it. A batch goes out when it reaches 16 KiB, every 250 ms, and on exit.
 */
export class LineBatch implements pino.DestinationStream {
  #lines: string[] = [];
  #size = 0;

  constructor(
    private readonly target: { write(data: string): unknown },
    private readonly limit = BATCH_BYTES,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#size += line.length;
    if (this.#size >= this.limit) this.flush();
  }

  /** Hands what is gathered to the target stream. */
  flush(): void {
    if (this.#lines.length === 0) return;
    const data = this.#lines.join('');
    this.#lines = [];
    this.#size = 0;
    this.target.write(data);
  }
}

/**
 * stdout, asynchronous (sonic-boom), fed in batches ({@link LineBatch}) instead of a write
 * per line. What is pending is written out when the process exits, uncaught errors included;
 * only a hard kill (SIGKILL, power loss) can lose the last 250 ms of lines.
 */
function stdoutDestination(): pino.DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false });
  let open = true;
  stdout.once('close', () => {
    open = false;
  });
  const batch = new LineBatch({ write: (data) => stdout.write(data) });
  const drain = (sync: boolean) => {
    if (!open) return;
    batch.flush();
    if (sync) stdout.flushSync();
  };
  process.once('beforeExit', () => drain(false));
  process.once('exit', () => drain(true));
  setInterval(() => batch.flush(), BATCH_INTERVAL_MS).unref();
  return batch;
}
