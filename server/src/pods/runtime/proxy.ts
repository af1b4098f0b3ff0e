/**
 * Reverse proxy for Pod "Connect": forwards HTTP requests and WebSocket
 * upgrades from `/pods/:podId/:port/<rest>` to `<upstream>/<rest>`.
 *
 * Authorization (may this caller connect to this Pod?) is the caller's job and
 * must happen before these functions are called. The proxy makes sure Gantry's
 * own credentials (session cookie, Authorization) never reach the Pod, and that
 * a Pod's responses cannot plant Gantry cookies or widen service-worker scope.
 *
 * Security note: Pods are served on Gantry's own origin, so a Pod's HTML/JS
 * runs same-origin with the console. Prefer a dedicated Connect origin in
 * production, or set `sandbox: true` (see {@link ProxyOptions.sandbox}).
 */
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { POD_ID_PATTERN } from './driver.js';

/** Where to send proxied traffic: opens one stream to the Pod's port (`RuntimeDriver.openStream`). */
export interface ProxyTarget {
  openStream(): Promise<Duplex>;
}

/** A target that is a plain TCP address (a test's upstream, or a Pod on the host's loopback). */
export function tcpTarget(host: string, port: number): ProxyTarget {
  return {
    openStream: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.once('connect', () => {
          socket.removeListener('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      }),
  };
}

/** `http.request`'s `createConnection` over a target's stream. */
function connectionOf(target: ProxyTarget) {
  return (_options: unknown, done: (err: Error | null, stream: Duplex) => void): undefined => {
    const fail = done as (err: Error) => void;
    target.openStream().then(
      (stream) => done(null, stream),
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
    return undefined;
  };
}

/** A parsed Connect path. */
export interface ProxyRoute {
  podId: string;
  /** The Pod's exposed (container) port named in the path. */
  port: number;
  /** Public prefix, e.g. `/pods/<podId>/8080`; sent upstream as `x-forwarded-prefix`. */
  prefix: string;
  /** Path + query to request upstream, always starting with `/`; percent-encoding is kept as sent. */
  upstreamPath: string;
  /** true for `/pods/:podId/:port` without a trailing slash (proxyHttp redirects it to `prefix/`). */
  bare: boolean;
}

/** Per-request proxy settings. */
export interface ProxyOptions {
  /** Client address for `x-forwarded-for` (default: the socket's remote address). Pass Fastify's `request.ip` behind a trusted proxy. */
  clientIp?: string;
  /** `x-forwarded-proto` (default: from the socket). */
  proto?: 'http' | 'https';
  /** `x-forwarded-host` (default: the request's Host header). */
  host?: string;
  /** Cookies removed from requests and from upstream `Set-Cookie` (default `['gantry_session']`). */
  stripCookies?: readonly string[];
  /**
   * Add `Content-Security-Policy: sandbox ...` (without allow-same-origin) to
   * proxied responses, so Pod pages run in an opaque origin and cannot use the
   * console's session. Breaks Pod apps that rely on cookies/storage. Default false.
   */
  sandbox?: boolean;
}

/** Default cookie names that never reach a Pod. */
export const GANTRY_COOKIES: readonly string[] = ['gantry_session'];

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);
/** Request headers never forwarded: Gantry credentials, client-supplied forwarding info, and Expect (Node already answered 100-continue). */
const DROPPED_REQUEST = new Set([
  'authorization',
  'expect',
  'forwarded',
  'x-real-ip',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-prefix',
  'x-forwarded-port',
]);
/** Response headers a Pod may not send to the console's origin. */
const DROPPED_RESPONSE = new Set(['service-worker-allowed', 'clear-site-data']);
const SANDBOX_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

/**
 * Parse a public Connect URL (`/pods/:podId/:port/<rest>?query`). Returns an
 * `error` for anything that is not a Connect path or that tries to escape the
 * prefix: `..` segments (also percent-encoded), encoded slashes or backslashes,
 * NUL or control characters, malformed percent-encoding.
 */
export function parseProxyPath(url: string): ProxyRoute | { error: string } {
  if (typeof url !== 'string' || !url.startsWith('/')) return { error: 'not an absolute path' };
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(url)) return { error: 'invalid characters in path' };
  if (/%(2f|5c|00)/i.test(path)) return { error: 'encoded slash, backslash or NUL in path' };
  const m = /^\/pods\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return { error: 'not a pod connect path' };
  const [, podId = '', portText = '', rest = ''] = m;
  if (!POD_ID_PATTERN.test(podId)) return { error: 'invalid pod id' };
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65535)
    return { error: 'invalid port' };
  for (const segment of rest.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { error: 'malformed percent-encoding in path' };
    }
    if (decoded === '..') return { error: 'path escapes the pod prefix' };
  }
  const port = Number(portText);
  return {
    podId,
    port,
    prefix: `/pods/${podId}/${port}`,
    upstreamPath: (rest || '/') + query,
    bare: rest === '',
  };
}

/**
 * Remove the named cookies from a `Cookie` header, keeping the others.
 * Returns undefined when nothing is left.
 */
export function stripCookies(
  header: string | undefined,
  names: readonly string[] = GANTRY_COOKIES,
): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !names.includes(cookieName(part)));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function cookieName(pair: string): string {
  const eq = pair.indexOf('=');
  return (eq < 0 ? pair : pair.slice(0, eq)).trim();
}

/**
 * Proxy one HTTP request to `target`. Never throws; upstream failures answer
 * 502 `{"error":{"code":"pod_unreachable",...}}`. The request body must not
 * have been consumed. Resolves when the exchange is over.
 */
export function proxyHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  route: ProxyRoute,
  opts: ProxyOptions = {},
): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', () => resolve());
    if (route.bare) {
      const q = route.upstreamPath.indexOf('?');
      res.writeHead(308, {
        location: `${route.prefix}/${q < 0 ? '' : route.upstreamPath.slice(q)}`,
        'content-length': '0',
      });
      res.end();
      return;
    }
    const upstream = http.request({
      createConnection: connectionOf(target),
      method: req.method,
      path: route.upstreamPath,
      headers: upstreamRequestHeaders(req, route, opts, false),
    });
    upstream.on('response', (upRes) => {
      const headers = downstreamHeaders(upRes.headers, route, opts);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify(unreachable(err));
      res.writeHead(502, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  });
}

/**
 * Proxy a WebSocket (or other HTTP/1.1 upgrade) request to `target`. Call it
 * from the server's `upgrade` event after authorizing. Never throws; if the
 * upstream is unreachable the client gets a 502 and the socket is closed.
 */
export function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ProxyTarget,
  route: ProxyRoute,
  opts: ProxyOptions = {},
): void {
  socket.on('error', () => socket.destroy());
  if (head.length > 0) socket.unshift(head);
  const upstream = http.request({
    createConnection: connectionOf(target),
    method: req.method,
    path: route.upstreamPath,
    headers: upstreamRequestHeaders(req, route, opts, true),
  });
  upstream.on('upgrade', (upRes, upSocket, upHead) => {
    upSocket.on('error', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    const headers = downstreamHeaders(upRes.headers, route, opts, true);
    socket.write(
      rawHead(upRes.statusCode ?? 101, upRes.statusMessage ?? 'Switching Protocols', headers),
    );
    if (upHead.length > 0) socket.write(upHead);
    upSocket.setNoDelay(true);
    upSocket.pipe(socket).pipe(upSocket);
  });
  upstream.on('response', (upRes) => {
    // The Pod declined the upgrade: relay its answer and close.
    const headers = downstreamHeaders(upRes.headers, route, opts);
    headers.connection = 'close';
    socket.write(rawHead(upRes.statusCode ?? 502, upRes.statusMessage ?? '', headers));
    upRes.pipe(socket);
  });
  upstream.on('error', (err) => {
    const body = JSON.stringify(unreachable(err));
    socket.end(
      rawHead(502, 'Bad Gateway', {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      }) + body,
    );
  });
  socket.on('close', () => upstream.destroy());
  upstream.end();
}

function unreachable(err: unknown): { error: { code: string; message: string } } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return {
    error: {
      code: 'pod_unreachable',
      message: `The pod is not reachable${code ? ` (${code})` : ''}.`,
    },
  };
}

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  return new Set(
    (value ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Headers sent upstream: client headers minus hop-by-hop, credentials and spoofable forwarding info. */
function upstreamRequestHeaders(
  req: IncomingMessage,
  route: ProxyRoute,
  opts: ProxyOptions,
  upgrade: boolean,
): OutgoingHttpHeaders {
  const listed = connectionTokens(req.headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      DROPPED_REQUEST.has(name) ||
      name === 'cookie'
    )
      continue;
    if (listed.has(name) && name !== 'host') continue;
    out[name] = value;
  }
  const cookie = stripCookies(req.headers.cookie, opts.stripCookies ?? GANTRY_COOKIES);
  if (cookie !== undefined) out.cookie = cookie;
  if (req.headers['transfer-encoding'] !== undefined) {
    // Keep the body framed exactly as received, whatever the method.
    out['transfer-encoding'] = 'chunked';
    delete out['content-length'];
  }
  if (upgrade) {
    out.connection = 'Upgrade';
    if (req.headers.upgrade !== undefined) out.upgrade = req.headers.upgrade;
  }
  const encrypted = req.socket instanceof TLSSocket && req.socket.encrypted;
  const clientIp = opts.clientIp ?? req.socket.remoteAddress;
  if (clientIp) out['x-forwarded-for'] = clientIp;
  out['x-forwarded-proto'] = opts.proto ?? (encrypted ? 'https' : 'http');
  const host = opts.host ?? req.headers.host;
  if (host) out['x-forwarded-host'] = host;
  out['x-forwarded-prefix'] = route.prefix;
  return out;
}

/** Headers sent back to the client: upstream headers minus hop-by-hop and anything that could affect the console's origin. */
function downstreamHeaders(
  headers: IncomingHttpHeaders,
  route: ProxyRoute,
  opts: ProxyOptions,
  upgrade = false,
): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const names = opts.stripCookies ?? GANTRY_COOKIES;
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      listed.has(name) ||
      DROPPED_RESPONSE.has(name)
    )
      continue;
    out[name] = value;
  }
  const setCookie = headers['set-cookie']?.filter(
    (c) => !names.includes(cookieName(c.split(';', 1)[0] ?? '')),
  );
  if (setCookie && setCookie.length > 0) out['set-cookie'] = setCookie;
  else delete out['set-cookie'];
  const location = headers.location;
  if (typeof location === 'string' && location.startsWith('/') && !location.startsWith('//')) {
    out.location = route.prefix + location;
  }
  if (opts.sandbox) {
    const csp = headers['content-security-policy'];
    out['content-security-policy'] = csp ? `${csp}, ${SANDBOX_CSP}` : SANDBOX_CSP;
  }
  if (upgrade) {
    out.connection = 'Upgrade';
    if (headers.upgrade !== undefined) out.upgrade = headers.upgrade;
  }
  return out;
}

/** Serialize a status line and headers for writing to a raw socket. */
function rawHead(status: number, message: string, headers: OutgoingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${message.replace(/[\r\n]/g, '')}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value])
      head += `${name}: ${String(v).replace(/[\r\n]/g, '')}\r\n`;
  }
  return `${head}\r\n`;
}
