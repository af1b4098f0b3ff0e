import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {
  Caller,
  PrefetchedMembership,
  Principal,
  RequestMeta,
  SessionCaller,
} from '../context.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, resolved from the session cookie or an API key; null when anonymous. */
    principal: Principal | null;
    /** The session caller's membership on the path's account, read with the session. */
    prefetched: PrefetchedMembership | null;
  }
}

export const SESSION_COOKIE = 'gantry_session';
export const DEVICE_COOKIE = 'gantry_device';

/** The client's `User-Agent` as sessions and audit events keep it (at most 512 characters). */
export function userAgentFrom(headers: IncomingHttpHeaders): string | null {
  const ua = headers['user-agent'];
  return ua ? ua.slice(0, 512) : null;
}

export function metaOf(request: FastifyRequest): RequestMeta {
  return {
    ip: request.ip ?? null,
    userAgent: userAgentFrom(request.headers),
    requestId: request.id,
  };
}

/** The caller of a request made as `principal`. */
export function callerFrom(request: FastifyRequest, principal: Principal): Caller {
  // Written out rather than spread from metaOf: V8 defines a property added to a spread
  // copy on its slow path, which cost every authenticated request a few microseconds.
  return {
    ip: request.ip ?? null,
    userAgent: userAgentFrom(request.headers),
    requestId: request.id,
    principal,
    prefetched: request.prefetched ?? undefined,
  };
}

/** The signed-in caller of a request; 401 when there is none. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.principal) throw new AppError('unauthenticated', 'Sign in to continue');
  return callerFrom(request, request.principal);
}

/** The signed-in caller, refusing API keys: for routes only a person in a browser may use. */
export function sessionCallerOf(request: FastifyRequest): SessionCaller {
  const caller = callerOf(request);
  if (caller.principal.kind !== 'session') {
    throw new AppError('forbidden', 'This action needs a signed-in user, not an API key');
  }
  return caller as SessionCaller;
}

export function sendError(reply: FastifyReply, error: AppError) {
  if (error.extra.retryAfterSeconds)
    reply.header('retry-after', String(error.extra.retryAfterSeconds));
  if (error.extra.allow) reply.header('allow', error.extra.allow.join(', '));
  const body =
    error.extra.field === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, field: error.extra.field };
  return reply.status(error.status).send({ error: body });
}
