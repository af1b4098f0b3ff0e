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

/** Replaces invite tokens and other secrets that can appear in URLs. */
export function redactUrl(url: string): string {
  return url.replace(/\/(invites?)\/[A-Za-z0-9_-]{16,}/g, '/$1/[redacted]');
}

export function createLogger(level: string): Logger {
  return pino({
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
  });
}
