/**
 * Reverse proxy for Pod "Connect": forwards HTTP requests and WebSocket
 * upgrades from `/pods/:podId/:port/<rest>` to `<upstream>/<rest>`.
 *
 * Authorization (may this caller connect to this Pod?) is the caller's job and
 * must happen before these functions are called. The proxy makes sure Gantry's
 * own credentials (session cookie, Authorization) never reach the Pod, and that
 * a Pod's responses cannot plant Gantry cookies or widen service-worker scope.
 *
 * Isolation ({@link ProxyOptions.isolation}): on the console's own origin (`path`, the
 * default) a Pod's pages run in a sandbox without `allow-same-origin`, may set no cookie and
 * may not redirect out of their prefix; on a Pod origin of their own (`origin`, with
 * `GANTRY_CONNECT_URL`) they may set host-only cookies and redirect where they like.
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

/**
 * Where to send proxied traffic: a way to open a stream to the Pod's port (the driver's
 * `openStream`, inside the Pod's network namespace), and a key naming that port for reusing
 * idle connections (one pool per key).
 */
export interface ProxyTarget {
  key: string;
  openStream(): Promise<Duplex>;
}

/** A target on a TCP address this machine reaches directly (tests, the local driver). */
export function tcpTarget(host: string, port: number): ProxyTarget {
  return {
    key: `tcp:${host}:${port}`,
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

type StreamRequestOptions = http.RequestOptions & { openStream?: () => Promise<Duplex> };

/**
 * Keeps idle upstream connections per Pod port for reuse: each new one comes from the target's
 * `openStream` (passed along in the request's options).
 */
class StreamAgent extends http.Agent {
  override createConnection(
    options: StreamRequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | undefined {
    const open = options.openStream;
    if (!open || !callback) throw new Error('a proxied request needs openStream');
    open().then(
      (stream) => callback(null, stream),
      (error: Error) => callback(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

const upstreamAgent = new StreamAgent({ keepAlive: true, maxFreeSockets: 16, timeout: 60_000 });

/** Request options reaching `target`: the pool key as host, and where new streams come from. */
function viaTarget(target: ProxyTarget): StreamRequestOptions {
  return { host: target.key, port: 1, openStream: () => target.openStream() };
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
   * Where the Pod is served. `path` (default): under `/pods/:podId/:port/` on the console's
   * origin — responses get `Content-Security-Policy: sandbox …` without `allow-same-origin`
   * (the page runs in an opaque origin and cannot use the console's session), every
   * `Set-Cookie` is dropped, and a redirect out of the Pod's prefix is refused (502
   * `pod_redirect_refused`). `origin`: on the Pod port's own origin — only cookies with a
   * `Domain` attribute (they would reach other hosts) and the stripped names are dropped.
   */
  isolation?: 'path' | 'origin';
  /** Called for every chunk relayed either way (bytes), e.g. to record the Pod's last traffic. */
  onTraffic?: (bytes: number) => void;
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
const DROPPED_RESPONSE = new Set([
  'service-worker-allowed',
  'clear-site-data',
  'strict-transport-security',
]);
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
      ...viaTarget(target),
      agent: upstreamAgent,
      method: req.method,
      path: route.upstreamPath,
      headers: upstreamRequestHeaders(req, route, opts, false),
    } as http.RequestOptions);
    upstream.on('response', (upRes) => {
      const headers = downstreamHeaders(req, upRes.headers, route, opts);
      if (headers === REFUSED) {
        upRes.resume();
        const body = JSON.stringify(redirectRefused());
        res.writeHead(502, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
      if (opts.onTraffic) countTraffic(upRes, opts.onTraffic);
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
    if (opts.onTraffic) countTraffic(req, opts.onTraffic);
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
    method: req.method,
    path: route.upstreamPath,
    headers: upstreamRequestHeaders(req, route, opts, true),
    createConnection: (_options, callback) => {
      target.openStream().then(
        (stream) => callback(null, stream as net.Socket),
        (error: Error) => callback(error, undefined as unknown as net.Socket),
      );
      return undefined as unknown as net.Socket;
    },
  });
  upstream.on('upgrade', (upRes, upSocket, upHead) => {
    upSocket.on('error', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    const headers = downstreamHeaders(req, upRes.headers, route, opts, true);
    if (headers === REFUSED) {
      upSocket.destroy();
      socket.end(rawHead(502, 'Bad Gateway', { 'content-length': 0, connection: 'close' }));
      return;
    }
    socket.write(
      rawHead(upRes.statusCode ?? 101, upRes.statusMessage ?? 'Switching Protocols', headers),
    );
    if (upHead.length > 0) socket.write(upHead);
    (upSocket as Partial<net.Socket>).setNoDelay?.(true);
    if (opts.onTraffic) {
      countTraffic(upSocket, opts.onTraffic);
      countTraffic(socket, opts.onTraffic);
    }
    upSocket.pipe(socket).pipe(upSocket);
  });
  upstream.on('response', (upRes) => {
    // The Pod declined the upgrade: relay its answer and close.
    const headers = downstreamHeaders(req, upRes.headers, route, opts);
    if (headers === REFUSED) {
      upRes.resume();
      socket.end(rawHead(502, 'Bad Gateway', { 'content-length': 0, connection: 'close' }));
      return;
    }
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

/** Counts the bytes a stream emits, without consuming them. */
function countTraffic(stream: NodeJS.ReadableStream, onTraffic: (bytes: number) => void): void {
  stream.on('data', (chunk: Buffer | string) => onTraffic(chunk.length));
}

function redirectRefused(): { error: { code: string; message: string } } {
  return {
    error: {
      code: 'pod_redirect_refused',
      message: 'The Pod redirected outside its own address; Gantry refused to follow it.',
    },
  };
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
  if (route.prefix !== '') out['x-forwarded-prefix'] = route.prefix;
  return out;
}

/** What {@link downstreamHeaders} answers for a response that must not reach the client. */
const REFUSED = Symbol('refused');

/**
 * Headers sent back to the client: upstream headers minus hop-by-hop and anything that could
 * affect the console's origin (see {@link ProxyOptions.isolation}); {@link REFUSED} for a
 * redirect out of the Pod's prefix on the console's origin.
 */
function downstreamHeaders(
  req: IncomingMessage,
  headers: IncomingHttpHeaders,
  route: ProxyRoute,
  opts: ProxyOptions,
  upgrade = false,
): OutgoingHttpHeaders | typeof REFUSED {
  const onOwnOrigin = opts.isolation === 'origin';
  const listed = connectionTokens(headers);
  const names = opts.stripCookies ?? GANTRY_COOKIES;
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      listed.has(name) ||
      DROPPED_RESPONSE.has(name) ||
      name === 'set-cookie' ||
      name === 'location'
    )
      continue;
    out[name] = value;
  }
  if (onOwnOrigin) {
    const setCookie = headers['set-cookie']?.filter((c) => hostOnlyCookie(c, names));
    if (setCookie && setCookie.length > 0) out['set-cookie'] = setCookie;
  }
  const location = headers.location;
  if (typeof location === 'string') {
    if (onOwnOrigin) out.location = location;
    else {
      const confined = confineLocation(location, req, route);
      if (confined === null) return REFUSED;
      out.location = confined;
    }
  }
  if (!onOwnOrigin) {
    const csp = headers['content-security-policy'];
    out['content-security-policy'] = csp ? `${csp}, ${SANDBOX_CSP}` : SANDBOX_CSP;
  }
  if (upgrade) {
    out.connection = 'Upgrade';
    if (headers.upgrade !== undefined) out.upgrade = headers.upgrade;
  }
  return out;
}

/** A `Set-Cookie` a Pod on its own origin may send: host-only, and not a name Gantry uses. */
function hostOnlyCookie(setCookie: string, stripped: readonly string[]): boolean {
  const [pair = '', ...attributes] = setCookie.split(';');
  if (stripped.includes(cookieName(pair))) return false;
  return !attributes.some((a) => a.trim().toLowerCase().startsWith('domain'));
}

/** A stand-in origin to resolve redirect targets against (never contacted). */
const PROBE_ORIGIN = 'http://pod.invalid';

/**
 * A redirect target mapped into the Pod's prefix on the console's origin, or null when it
 * would leave it: another origin (`//evil.test/x`, `https://…`, `/\evil.test`), or a path
 * outside `/pods/:podId/:port/` (`../../api/…`). A path from the Pod's root (`/login`) is
 * the Pod's own, so it is put under the prefix.
 */
function confineLocation(location: string, req: IncomingMessage, route: ProxyRoute): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
  if (/[\u0000-\u001f\u007f]/.test(location)) return null;
  const fromRoot = /^\/(?![/\\])/.test(location);
  const requestPath = (req.url ?? '/').split('?')[0] ?? '/';
  let resolved: URL;
  try {
    resolved = new URL(fromRoot ? route.prefix + location : location, PROBE_ORIGIN + requestPath);
  } catch {
    return null;
  }
  const sameOrigin =
    resolved.origin === PROBE_ORIGIN ||
    (!fromRoot && req.headers.host !== undefined && sameHostAs(resolved, req.headers.host));
  if (!sameOrigin) return null;
  if (resolved.pathname !== route.prefix && !resolved.pathname.startsWith(`${route.prefix}/`)) {
    return null;
  }
  return resolved.pathname + resolved.search + resolved.hash;
}

/** true when an absolute redirect names the very host the request came to. */
function sameHostAs(url: URL, host: string): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
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
