import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { CONNECT_PREFIX } from '../pods/connect.js';

/** Hashed build output (Vite's `assets/`): its names change with its content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and the other unhashed files: revalidated on every load, so a deploy shows. */
const REVALIDATE = 'no-cache';

/** Disallows every crawler: a self-hosted console and its API have nothing to index. */
export const ROBOTS_TXT = 'User-agent: *\nDisallow: /\n';

/**
 * Serves the built console from `webDir`: the brotli or gzip copy written beside each file at
 * build time (`scripts/precompress.mjs`) when the browser accepts it, hashed assets cached for
 * a year, the rest revalidated. Returns whether there is a console to fall back to.
 */
export async function registerConsole(
  app: FastifyInstance,
  webDir: string | undefined,
): Promise<boolean> {
  app.get('/robots.txt', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').header('cache-control', REVALIDATE).send(ROBOTS_TXT),
  );
  if (!webDir || !existsSync(join(webDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    index: ['index.html'],
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      const inAssets = relative(webDir, path).split(sep)[0] === 'assets';
      reply.header('cache-control', inAssets ? IMMUTABLE : REVALIDATE);
    },
  });
  return true;
}

/**
 * Whether an unknown path is a page of the console (answered with index.html): a GET outside
 * the API and the Connect proxy whose last segment has no file extension. `/favicon.ico` or a
 * stale `/assets/index-1234.js` is a missing file and answers 404, not the console's HTML.
 */
export function isConsolePage(method: string, path: string): boolean {
  if (method !== 'GET' || path.startsWith('/api/') || path.startsWith(CONNECT_PREFIX)) {
    return false;
  }
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}

/** The headers every answer of Gantry's own carries: no framing, no leaks, no sensors. */
const COMMON_SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  // Full URLs only to Gantry itself: invite links carry their token in the path.
  'referrer-policy': 'same-origin',
  'permissions-policy':
    'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), ' +
    'microphone=(), payment=(), usb=()',
} as const;

/** The headers of each kind of answer, decided once from the configuration. */
export interface SecurityHeaders {
  /** The console's pages and files. */
  console: Readonly<Record<string, string>>;
  /** API answers, health, readiness and metrics: nothing in them is ever run or framed. */
  api: Readonly<Record<string, string>>;
  /** The API docs page (Swagger UI): the console's policy, which its files (none inline) pass. */
  docs: Readonly<Record<string, string>>;
}

/**
 * Security headers for the console and the API. The console's Content-Security-Policy allows
 * only its own scripts (none inline), styles of its own plus inline ones (Mantine sets style
 * attributes and CSS variables at run time), and connections to its own origin, WebSockets
 * included (the explicit ws/wss origin for browsers whose 'self' does not cover them).
 */
export function securityHeaders(config: Config): SecurityHeaders {
  const connect = ["'self'"];
  if (config.publicUrlExplicit) {
    const url = new URL(config.publicUrl);
    connect.push(`${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`);
  }
  const consolePolicy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const consoleHeaders = { ...COMMON_SECURITY_HEADERS, 'content-security-policy': consolePolicy };
  return {
    console: consoleHeaders,
    api: {
      ...COMMON_SECURITY_HEADERS,
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    },
    docs: consoleHeaders,
  };
}

/**
 * The security headers for a request's path; null for the Connect proxy, whose answers are the
 * Pod's own (the proxy decides their headers).
 */
export function securityHeadersFor(
  headers: SecurityHeaders,
  url: string,
): Readonly<Record<string, string>> | null {
  if (url.startsWith(CONNECT_PREFIX)) return null;
  if (url.startsWith('/api/docs')) return headers.docs;
  if (
    url.startsWith('/api/') ||
    url.startsWith('/healthz') ||
    url.startsWith('/readyz') ||
    url.startsWith('/metrics')
  ) {
    return headers.api;
  }
  return headers.console;
}
