import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateSession } from '../auth/auth.service.js';
import type { Deps, PrefetchedMembership, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { UUID_PATTERN } from '../lib/ids.js';
import { SESSION_COOKIE, sendError } from './request.js';

/** Resolves an API key secret to its principal; provided by the API keys module. */
export type ApiKeyAuthenticator = (deps: Deps, secret: string) => Promise<Principal | null>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originAllowed(deps: Deps, headers: IncomingHttpHeaders, origin: string): boolean {
  if (deps.config.publicUrlExplicit) return origin === new URL(deps.config.publicUrl).origin;
  // Without a configured public URL the request's own host is the origin.
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

/**
 * The value of one cookie in a raw `Cookie` header (the first of that name), read without
 * parsing the others: the API reads only its own cookies, so none are parsed per request.
 * Surrounding double quotes are removed and %-escapes decoded (a malformed one is kept as is).
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq > start && eq < end && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim();
      if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1);
      }
      if (!value.includes('%')) return value;
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * Refuses a cookie-authenticated request the browser marks cross-site or whose
 * `Origin` is not Gantry's (for `unsafe` requests: writes, WebSocket upgrades).
 */
export function crossSiteError(
  deps: Deps,
  headers: IncomingHttpHeaders,
  unsafe: boolean,
): AppError | null {
  if (!unsafe) return null;
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (site === 'cross-site' || (origin !== undefined && !originAllowed(deps, headers, origin))) {
    return new AppError('cross_site_request', 'Cross-site requests are refused');
  }
  return null;
}

/** Who a request is from; for a session on an account-scoped path, with that membership. */
export interface Authenticated {
  principal: Principal | null;
  prefetched?: PrefetchedMembership | undefined;
}

/**
 * Resolves the principal of a request from its headers: `Authorization: Bearer`
 * (an API key; a bad one is an error, not anonymity), else the session cookie.
 * Also applies the cross-site rule to cookie-authenticated unsafe requests.
 * `accountId` is the account the request's path names, if any: a session's membership on it
 * is read in the same query as the session.
 */
export async function principalFromHeaders(
  deps: Deps,
  headers: IncomingHttpHeaders,
  sessionToken: string | undefined,
  unsafe: boolean,
  authenticateApiKey: ApiKeyAuthenticator,
  accountId?: string,
): Promise<Authenticated | { error: AppError }> {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    // The scheme is case-insensitive (RFC 9110); any other scheme or shape is refused.
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/i.exec(authorization);
    const principal = match ? await authenticateApiKey(deps, match[1]!) : null;
    if (!principal) {
      return {
        error: new AppError(
          'invalid_api_key',
          'The API key is missing, malformed, disabled, expired or revoked',
        ),
      };
    }
    return { principal };
  }
  const refused = crossSiteError(deps, headers, unsafe);
  if (refused) return { error: refused };
  if (!sessionToken) return { principal: null };
  return (await authenticateSession(deps, sessionToken, accountId)) ?? { principal: null };
}

const ACCOUNT_ID = new RegExp(UUID_PATTERN);

/**
 * The `:accountId` of a request's route when it has an id's shape. Path parameters are not
 * validated yet when this hook runs, and only a well-formed id is sent to the database (a NUL
 * byte, say, is an error on PostgreSQL): validation refuses any other value after the hook.
 */
function accountIdOf(request: FastifyRequest): string | undefined {
  const id = (request.params as { accountId?: unknown } | undefined)?.accountId;
  return typeof id === 'string' && ACCOUNT_ID.test(id) ? id : undefined;
}

/**
 * Resolves every /api request's principal (session cookie or
 * `Authorization: Bearer`) and refuses cookie-authenticated writes that a
 * browser marks cross-site or that come from another origin.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: Deps,
  authenticateApiKey: ApiKeyAuthenticator,
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('prefetched', null);
  app.addHook('onRequest', async (request, reply) => {
    const result = await principalFromHeaders(
      deps,
      request.headers,
      readCookie(request.headers.cookie, SESSION_COOKIE),
      !SAFE_METHODS.has(request.method),
      authenticateApiKey,
      accountIdOf(request),
    );
    if ('error' in result) {
      if (result.error.code === 'invalid_api_key') {
        reply.header('www-authenticate', 'Bearer realm="gantry"');
      }
      return sendError(reply, result.error);
    }
    request.principal = result.principal;
    request.prefetched = result.prefetched ?? null;
  });
}
