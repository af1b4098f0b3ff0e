/**
 * Connect: HTTP and WebSocket access to a running Pod's exposed ports, for callers with
 * `pods.connect` on the Pod's account (session cookie or API key).
 *
 * - Without `GANTRY_CONNECT_URL`: served under `/pods/:podId/:port/…` on the console's
 *   origin, sandboxed (see `ProxyOptions.isolation`).
 * - With it: each Pod port has an origin of its own (a request whose `Host` matches the
 *   pattern is a Pod request, on the same server). The console's `/pods/…` only hands the
 *   signed-in user over to that origin with a single-use code (connect-handoff.ts); on the Pod
 *   origin a cookie host-only to it (or an API key) says who the visitor is, and every request
 *   and WebSocket is authorized against the user's current `pods.connect`.
 *
 * Open WebSockets are re-checked live (connect-registry.ts). A browser that cannot be served
 * gets a small HTML page (connect-pages.ts), API clients the JSON error.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Caller, Deps, Principal } from '../context.js';
import { AppError } from '../errors.js';
import {
  type ApiKeyAuthenticator,
  principalFromHeaders,
  readCookie,
} from '../http/authenticate.js';
import { SESSION_COOKIE, userAgentFrom } from '../http/request.js';
import { newRequestId } from '../lib/ids.js';
import {
  authenticateConnectSession,
  CONNECT_COOKIE,
  createHandoff,
  HANDOFF_PATH,
  redeemHandoff,
} from './connect-handoff.js';
import { type ConnectOrigins, compileConnectOrigins } from './connect-origin.js';
import { connectErrorPage, PAGE_HEADERS, wantsHtml } from './connect-pages.js';
import { ConnectRegistry } from './connect-registry.js';
import { resolveConnectTarget } from './pods.service.js';
import { findPodForSystem } from './pods.store.js';
import { type ProxyRoute, parseProxyPath, proxyHttp, proxyUpgrade } from './runtime/proxy.js';
import { TerminalEndpoint } from './terminal.js';

export const CONNECT_PREFIX = '/pods/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Gantry's cookies: never sent to a Pod, never set by one. */
const GANTRY_COOKIES = [SESSION_COOKIE, CONNECT_COOKIE, 'gantry_device'];

/** One Connect exchange: the raw request and how to answer it (HTTP response or upgrade socket). */
interface Exchange {
  req: IncomingMessage;
  /** Set for an HTTP request; undefined for an upgrade. */
  res: ServerResponse | undefined;
  socket: Duplex;
  head: Buffer;
  ip: string | null;
}

/** The answer to a request that is not proxied. */
function answer(
  exchange: Exchange,
  status: number,
  headers: Record<string, string | number | readonly string[]>,
  body = '',
): void {
  const length = Buffer.byteLength(body);
  if (exchange.res) {
    exchange.res.writeHead(status, { ...headers, 'content-length': length });
    exchange.res.end(exchange.req.method === 'HEAD' ? undefined : body);
    return;
  }
  let head = `HTTP/1.1 ${status} ${status < 400 ? 'OK' : 'Error'}\r\n`;
  for (const [name, value] of Object.entries({ ...headers, 'content-length': length })) {
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  exchange.socket.end(`${head}connection: close\r\n\r\n${body}`);
}

/** Mounts Connect on the app: an onRequest hook, the server's `upgrade` event, the live re-check. */
export function registerConnect(
  app: FastifyInstance,
  deps: Deps,
  authenticateApiKey: ApiKeyAuthenticator,
): ConnectRegistry {
  const origins = deps.config.connectUrl ? compileConnectOrigins(deps.config.connectUrl) : null;
  const registry = new ConnectRegistry(deps);
  /** Sockets of proxied exchanges in progress, closed when the app closes. */
  const active = new Set<Duplex>();
  const hold = (socket: Duplex) => {
    // Once per connection: a keep-alive client sends many requests over one socket.
    if (active.has(socket)) return;
    active.add(socket);
    socket.once('close', () => active.delete(socket));
  };
  app.addHook('preClose', async () => {
    registry.close();
    for (const socket of active) socket.destroy();
  });
  const connect = new Connect(deps, authenticateApiKey, origins, registry, hold);
  const terminals = new TerminalEndpoint(deps, authenticateApiKey, registry);
  app.addHook('preClose', async () => terminals.close());

  // A callback hook: every other request passes straight through, without a promise. A
  // Connect request is answered here in every case (error, redirect or proxied exchange), so
  // its lifecycle stops here: done is called only with an unexpected error.
  app.addHook('onRequest', (request, reply, done) => {
    const podHost = origins?.parseHost(request.headers.host) ?? null;
    if (!podHost && !request.url.startsWith(CONNECT_PREFIX)) return done();
    reply.hijack();
    const exchange: Exchange = {
      req: request.raw,
      res: reply.raw,
      socket: request.raw.socket,
      head: Buffer.alloc(0),
      ip: request.ip ?? null,
    };
    const work = podHost ? connect.onPodOrigin(exchange, podHost) : connect.onConsole(exchange);
    work.catch((error: unknown) => {
      request.log.error({ err: error }, 'connect failed');
      if (!reply.raw.headersSent) {
        answer(
          exchange,
          500,
          { 'content-type': 'application/json; charset=utf-8' },
          jsonOf(internal()),
        );
      } else reply.raw.destroy();
    });
  });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    hold(socket);
    const exchange: Exchange = {
      req,
      res: undefined,
      socket,
      head,
      ip: req.socket.remoteAddress ?? null,
    };
    const podHost = origins?.parseHost(req.headers.host) ?? null;
    const work = podHost
      ? connect.onPodOrigin(exchange, podHost)
      : terminals.handles(req)
        ? terminals.upgrade(req, socket, head, (error) => sendAppError(exchange, error))
        : (req.url ?? '').startsWith(CONNECT_PREFIX)
          ? connect.onConsole(exchange)
          : Promise.resolve(
              sendAppError(exchange, new AppError('not_found', 'No WebSocket endpoint here')),
            );
    work.catch((error: unknown) => {
      deps.logger.error({ err: error }, 'connect upgrade failed');
      sendAppError(exchange, internal());
    });
  });
  return registry;
}

function internal(): AppError {
  return new AppError('internal', 'Internal error');
}

function jsonOf(error: AppError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message } });
}

function sendAppError(exchange: Exchange, error: AppError, headers: Record<string, string> = {}) {
  if (error.extra.retryAfterSeconds) headers['retry-after'] = String(error.extra.retryAfterSeconds);
  answer(
    exchange,
    error.status,
    { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    jsonOf(error),
  );
}

class Connect {
  constructor(
    private readonly deps: Deps,
    private readonly authenticateApiKey: ApiKeyAuthenticator,
    private readonly origins: ConnectOrigins | null,
    private readonly registry: ConnectRegistry,
    private readonly hold: (socket: Duplex) => void,
  ) {}

  private callerOf(exchange: Exchange, principal: Principal): Caller {
    return {
      ip: exchange.ip,
      userAgent: userAgentFrom(exchange.req.headers),
      requestId: newRequestId(),
      principal,
    };
  }

  /** Answers an error: a page for a browser opening it, JSON for anyone else. */
  private async fail(
    exchange: Exchange,
    error: AppError,
    podId: string | undefined,
    retryUrl: string,
  ): Promise<void> {
    if (exchange.res && wantsHtml(exchange.req.method, exchange.req.headers)) {
      let pod: { status: string; podsUrl: string } | undefined;
      if (error.code === 'pod_not_running' && podId) {
        // Only a caller allowed to connect gets this far (the status check follows the policy's).
        const row = await findPodForSystem(this.deps.db, podId);
        if (row) {
          pod = {
            status: row.status,
            podsUrl: `${this.deps.config.publicUrl}/accounts/${row.account_id}/pods`,
          };
        }
      }
      const page = connectErrorPage(error, this.deps.config.publicUrl, retryUrl, pod);
      return answer(exchange, error.status, PAGE_HEADERS, page);
    }
    return sendAppError(exchange, error);
  }

  /** `/pods/:podId/:port/…` on the console's origin. */
  async onConsole(exchange: Exchange): Promise<void> {
    const { req } = exchange;
    const url = req.url ?? '';
    const route = parseProxyPath(url);
    if ('error' in route) {
      return sendAppError(
        exchange,
        new AppError('invalid_input', `Invalid Connect path: ${route.error}`),
      );
    }
    const retryUrl = `${this.deps.config.publicUrl}${route.prefix}${route.upstreamPath}`;
    // Writes and upgrades are checked like the API's: a page of another site cannot use our cookie.
    const unsafe = exchange.res === undefined || !SAFE_METHODS.has(req.method ?? '');
    const auth = await principalFromHeaders(
      this.deps,
      req.headers,
      readCookie(req.headers.cookie, SESSION_COOKIE),
      unsafe,
      this.authenticateApiKey,
    );
    if ('error' in auth) return this.fail(exchange, auth.error, route.podId, retryUrl);
    if (!auth.principal) {
      return this.fail(
        exchange,
        new AppError('unauthenticated', 'Sign in to connect to this Pod'),
        route.podId,
        retryUrl,
      );
    }
    const caller = this.callerOf(exchange, auth.principal);
    let target: Awaited<ReturnType<typeof resolveConnectTarget>>;
    try {
      target = await resolveConnectTarget(this.deps, caller, route.podId, route.port);
    } catch (error) {
      if (error instanceof AppError) return this.fail(exchange, error, route.podId, retryUrl);
      throw error;
    }
    if (this.origins) return this.handOver(exchange, route, auth.principal);
    return this.proxy(exchange, route, target, caller, 'path');
  }

  /** With Pod origins, the console serves no Pod content: it sends the visitor over there. */
  private async handOver(exchange: Exchange, route: ProxyRoute, principal: Principal) {
    const origins = this.origins as ConnectOrigins;
    const origin = origins.originOf(route.podId, route.port);
    if (exchange.res === undefined || !SAFE_METHODS.has(exchange.req.method ?? '')) {
      return sendAppError(
        exchange,
        new AppError('invalid_input', `This Pod port is served at ${origin}; send requests there`),
      );
    }
    if (principal.kind !== 'session') {
      // An API client goes straight to the Pod origin with its key.
      return answer(exchange, 307, {
        location: `${origin}${route.upstreamPath}`,
        'cache-control': 'no-store',
      });
    }
    const code = await createHandoff(
      this.deps,
      principal,
      route.podId,
      route.port,
      route.upstreamPath,
    );
    return answer(exchange, 303, {
      location: `${origin}${HANDOFF_PATH}?code=${encodeURIComponent(code)}`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  }

  /** Any request (or upgrade) whose Host is a Pod origin's. */
  async onPodOrigin(exchange: Exchange, pod: { podId: string; port: number }): Promise<void> {
    const { req } = exchange;
    const origins = this.origins as ConnectOrigins;
    const origin = origins.originOf(pod.podId, pod.port);
    const url = req.url ?? '';
    const retryUrl = `${this.deps.config.publicUrl}/pods/${pod.podId}/${pod.port}/`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (!url.startsWith('/') || url.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(url)) {
      return sendAppError(exchange, new AppError('invalid_input', 'Invalid path'));
    }
    const path = url.split('?', 1)[0] ?? '/';
    if (path === HANDOFF_PATH) return this.redeem(exchange, pod, origin, retryUrl);

    let principal: Principal | null = null;
    if (req.headers.authorization !== undefined) {
      const auth = await principalFromHeaders(
        this.deps,
        req.headers,
        undefined,
        false,
        this.authenticateApiKey,
      );
      if ('error' in auth) return this.fail(exchange, auth.error, pod.podId, retryUrl);
      principal = auth.principal;
    } else {
      const token = readCookie(req.headers.cookie, CONNECT_COOKIE);
      if (token) {
        const refused = podOriginCrossSite(
          req.headers,
          origin,
          exchange.res === undefined,
          SAFE_METHODS.has(req.method ?? ''),
        );
        if (refused) return this.fail(exchange, refused, pod.podId, retryUrl);
        principal = await authenticateConnectSession(this.deps, token, pod.podId, pod.port);
      }
    }
    if (!principal) {
      return this.fail(
        exchange,
        new AppError('unauthenticated', 'Open this Pod from the Gantry console to connect'),
        pod.podId,
        retryUrl,
      );
    }
    const caller = this.callerOf(exchange, principal);
    let target: Awaited<ReturnType<typeof resolveConnectTarget>>;
    try {
      target = await resolveConnectTarget(this.deps, caller, pod.podId, pod.port);
    } catch (error) {
      if (error instanceof AppError) return this.fail(exchange, error, pod.podId, retryUrl);
      throw error;
    }
    const route: ProxyRoute = {
      podId: pod.podId,
      port: pod.port,
      prefix: '',
      upstreamPath: url,
      bare: false,
    };
    return this.proxy(exchange, route, target, caller, 'origin');
  }

  /** `GET /__gantry/handoff?code=…` on a Pod origin: the code for the cookie, then on to the page. */
  private async redeem(
    exchange: Exchange,
    pod: { podId: string; port: number },
    origin: string,
    retryUrl: string,
  ): Promise<void> {
    const query = new URLSearchParams((exchange.req.url ?? '').split('?')[1] ?? '');
    const code = query.get('code') ?? '';
    const redeemed =
      exchange.res && exchange.req.method === 'GET'
        ? await redeemHandoff(this.deps, code, pod.podId, pod.port)
        : null;
    if (!redeemed) {
      return this.fail(
        exchange,
        new AppError(
          'unauthenticated',
          'This Connect link has expired or was used already; open the Pod again from the console',
        ),
        pod.podId,
        retryUrl,
      );
    }
    const secure = origin.startsWith('https:') ? '; Secure' : '';
    const next =
      redeemed.nextPath.startsWith('/') && !redeemed.nextPath.startsWith('//')
        ? redeemed.nextPath
        : '/';
    return answer(exchange, 303, {
      // Host-only (no Domain): it reaches this Pod origin and nothing else.
      'set-cookie': `${CONNECT_COOKIE}=${redeemed.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${redeemed.maxAgeSeconds}${secure}`,
      location: next,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  }

  private async proxy(
    exchange: Exchange,
    route: ProxyRoute,
    target: Awaited<ReturnType<typeof resolveConnectTarget>>,
    caller: Caller,
    isolation: 'path' | 'origin',
  ): Promise<void> {
    const onTraffic = () => this.registry.touch(route.podId);
    const opts = {
      isolation,
      stripCookies: GANTRY_COOKIES,
      onTraffic,
      ...(exchange.ip ? { clientIp: exchange.ip } : {}),
    };
    this.registry.touch(route.podId);
    if (exchange.res) {
      this.hold(exchange.socket);
      await proxyHttp(exchange.req, exchange.res, target, route, opts);
      return;
    }
    const { socket } = exchange;
    const unregister = this.registry.add({
      accountId: target.accountId,
      podId: route.podId,
      caller,
      close: () => socket.destroy(),
    });
    socket.once('close', unregister);
    proxyUpgrade(exchange.req, socket, exchange.head, target, route, opts);
  }
}

/**
 * On a Pod origin, a request carrying its cookie must come from the Pod origin's own pages,
 * or be a plain navigation to it: another Pod's page (same site, other origin) cannot act
 * there with the visitor's cookie, nor open its WebSockets.
 */
function podOriginCrossSite(
  headers: IncomingHttpHeaders,
  origin: string,
  upgrade: boolean,
  safe: boolean,
): AppError | null {
  const refused = new AppError('cross_site_request', 'Cross-origin requests to a Pod are refused');
  if (headers.origin !== undefined && headers.origin !== origin) return refused;
  const site = headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return null;
  if (!upgrade && safe && headers['sec-fetch-mode'] === 'navigate') return null;
  return refused;
}
