/**
 * Connect: `/pods/:podId/:port/…` on Gantry's own origin, proxied (HTTP and
 * WebSocket) to a running Pod's exposed port — for callers with
 * `pods.connect` on the Pod's account, by session cookie or API key.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, Deps } from '../context.js';
import { AppError } from '../errors.js';
import {
  type ApiKeyAuthenticator,
  principalFromHeaders,
  readCookie,
} from '../http/authenticate.js';
import { callerFrom, SESSION_COOKIE, sendError, userAgentFrom } from '../http/request.js';
import { newRequestId } from '../lib/ids.js';
import { resolveConnectTarget } from './pods.service.js';
import { parseProxyPath, proxyHttp, proxyUpgrade } from './runtime/proxy.js';

export const CONNECT_PREFIX = '/pods/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A browser opening a page (rather than a script or API client calling). */
function isNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  if (request.headers['sec-fetch-mode'] === 'navigate') return true;
  return (request.headers.accept ?? '').includes('text/html');
}

function rawError(socket: Duplex, error: AppError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Mounts the Connect proxy on the app (an onRequest hook and the server's `upgrade` event). */
export function registerConnect(
  app: FastifyInstance,
  deps: Deps,
  authenticateApiKey: ApiKeyAuthenticator,
): void {
  /** Sockets of proxied exchanges in progress, closed when the app closes. */
  const active = new Set<Duplex>();
  const hold = (socket: Duplex) => {
    // Once per connection: a keep-alive client sends many requests over one socket.
    if (active.has(socket)) return;
    active.add(socket);
    socket.once('close', () => active.delete(socket));
  };
  app.addHook('preClose', async () => {
    for (const socket of active) socket.destroy();
  });

  // A callback hook: every other request passes straight through, without a promise. A
  // Connect request is answered here in every case (error, redirect or proxied exchange), so
  // its lifecycle stops here: done is called only with an unexpected error.
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith(CONNECT_PREFIX)) return done();
    proxyRequest(request, reply).catch(done);
  });

  async function proxyRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = request.raw.url ?? '';
    const route = parseProxyPath(url);
    if ('error' in route) {
      return sendError(
        reply,
        new AppError('invalid_input', `Invalid Connect path: ${route.error}`),
      );
    }
    const auth = await principalFromHeaders(
      deps,
      request.headers,
      readCookie(request.headers.cookie, SESSION_COOKIE),
      !SAFE_METHODS.has(request.method),
      authenticateApiKey,
    );
    if ('error' in auth) return sendError(reply, auth.error);
    if (!auth.principal) {
      if (isNavigation(request)) {
        return reply.redirect(`/signin?next=${encodeURIComponent(url)}`, 303);
      }
      return sendError(reply, new AppError('unauthenticated', 'Sign in to connect to this Pod'));
    }
    const caller = callerFrom(request, auth.principal);
    let target: Awaited<ReturnType<typeof resolveConnectTarget>>;
    try {
      target = await resolveConnectTarget(deps, caller, route.podId, route.port);
    } catch (error) {
      if (error instanceof AppError) return sendError(reply, error);
      throw error;
    }
    reply.hijack();
    hold(request.raw.socket);
    await proxyHttp(request.raw, reply.raw, target, route, { clientIp: request.ip });
  }

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    hold(socket);
    void handleUpgrade(deps, authenticateApiKey, req, socket, head).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'connect upgrade failed');
      rawError(socket, new AppError('internal', 'Internal error'));
    });
  });
}

async function handleUpgrade(
  deps: Deps,
  authenticateApiKey: ApiKeyAuthenticator,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = req.url ?? '';
  if (!url.startsWith(CONNECT_PREFIX)) {
    return rawError(socket, new AppError('not_found', 'No WebSocket endpoint here'));
  }
  const route = parseProxyPath(url);
  if ('error' in route) {
    return rawError(socket, new AppError('invalid_input', `Invalid Connect path: ${route.error}`));
  }
  // Upgrades are checked like writes: a page of another site cannot open one with our cookie.
  const auth = await principalFromHeaders(
    deps,
    req.headers,
    readCookie(req.headers.cookie, SESSION_COOKIE),
    true,
    authenticateApiKey,
  );
  if ('error' in auth) return rawError(socket, auth.error);
  if (!auth.principal) {
    return rawError(socket, new AppError('unauthenticated', 'Sign in to connect to this Pod'));
  }
  // Not a Fastify request: the same caller callerFrom would make, with a request id of its own.
  const caller: Caller = {
    ip: req.socket.remoteAddress ?? null,
    userAgent: userAgentFrom(req.headers),
    requestId: newRequestId(),
    principal: auth.principal,
  };
  let target: Awaited<ReturnType<typeof resolveConnectTarget>>;
  try {
    target = await resolveConnectTarget(deps, caller, route.podId, route.port);
  } catch (error) {
    if (error instanceof AppError) return rawError(socket, error);
    throw error;
  }
  proxyUpgrade(req, socket, head, target, route, {
    ...(req.socket.remoteAddress ? { clientIp: req.socket.remoteAddress } : {}),
  });
}
