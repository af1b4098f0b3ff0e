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

/**
 * stdout, buffered: lines go out in writes of 4 KiB or every 250 ms, whichever comes first,
 * instead of one blocking write per line (a write per request cost as much as the rest of the
 * request's logging). pino flushes the buffer when the process exits, uncaught errors
 * included; only a hard kill (SIGKILL, power loss) can lose the last 250 ms of lines.
 */
function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}
