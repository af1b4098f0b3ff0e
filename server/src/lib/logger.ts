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

/** What makes a URL worth a closer look: a query, a percent-encoding, an invite or a key. */
const URL_SUSPECT = /[?%]|invite|gnt_/i;
/** An invite token in a path: `/invite/…` or `/invites/…`, at least 16 characters. */
const INVITE_PATH = /\/(invites?)\/[^/?#]{16,}/gi;
/** The same with the slashes percent-encoded, in a path that could not be decoded. */
const INVITE_PATH_ENCODED = /(\/|%(?:25)*2f)(invites?)(\/|%(?:25)*2f)[A-Za-z0-9_%-]{16,}/gi;
const API_KEY = /gnt_[A-Za-z0-9_-]+/g;
/** A query parameter whose name looks secret, also within a longer name (`access_token`). */
const SECRET_PARAM = /token|code|key|secret|password|sig/i;

/** `text` percent-decoded (nested encodings too, up to three times); undefined if malformed. */
function decodeFully(text: string): string | undefined {
  let decoded = text;
  try {
    for (let i = 0; i < 3 && decoded.includes('%'); i++) decoded = decodeURIComponent(decoded);
  } catch {
    return undefined;
  }
  return decoded;
}

/** The path with invite tokens and API keys hidden, in the decoded form the router sees. */
function redactPath(path: string): string {
  if (!path.includes('%'))
    return path.replace(INVITE_PATH, '/$1/[redacted]').replace(API_KEY, 'gnt_[redacted]');
  const decoded = decodeFully(path);
  if (decoded === undefined) {
    return path.replace(INVITE_PATH_ENCODED, '$1$2$3[redacted]').replace(API_KEY, 'gnt_[redacted]');
  }
  return decoded.replace(INVITE_PATH, '/$1/[redacted]').replace(API_KEY, 'gnt_[redacted]');
}

/** One `name=value` of a query: the value hidden when the name looks secret or it holds a key. */
function redactParam(param: string): string {
  const eq = param.indexOf('=');
  if (eq < 0) return param;
  const name = param.slice(0, eq);
  if (SECRET_PARAM.test(decodeFully(name) ?? name)) return `${name}=[redacted]`;
  const value = param.slice(eq + 1);
  if (/gnt_/i.test(decodeFully(value) ?? value)) return `${name}=[redacted]`;
  return param;
}

/**
 * Replaces what can be secret in a URL: invite tokens in the path (`/invite/…`, also
 * percent-encoded: `/invite%2F…`, `%2Finvite%2F…`), API keys (`gnt_…`) and the value of every
 * query parameter whose name looks secret (`token`, `code`, `key`, `secret`, `password`, `sig`,
 * in any case and within a longer name such as `access_token`).
 */
export function redactUrl(url: string): string {
  // Most URLs hold none of these; the work below costs more than this one scan.
  if (!URL_SUSPECT.test(url)) return url;
  const q = url.indexOf('?');
  if (q < 0) return redactPath(url);
  const query = url
    .slice(q + 1)
    .split('&')
    .map(redactParam)
    .join('&');
  return `${redactPath(url.slice(0, q))}?${query}`;
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
