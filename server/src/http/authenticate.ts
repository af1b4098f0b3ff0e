import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateSession } from '../auth/auth.service.js';
import type { Deps, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { SESSION_COOKIE, sendError } from './request.js';

/** Resolves an API key secret to its principal; provided by the API keys module. */
export type ApiKeyAuthenticator = (deps: Deps, secret: string) => Promise<Principal | null>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originAllowed(deps: Deps, request: FastifyRequest, origin: string): boolean {
  if (deps.config.publicUrlExplicit) return origin === new URL(deps.config.publicUrl).origin;
  // Without a configured public URL the request's own host is the origin.
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * Resolves every /api and /pods request's principal (session cookie or
 * `Authorization: Bearer`) and refuses cookie-authenticated writes that a
 * browser marks cross-site or that come from another origin.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: Deps,
  authenticateApiKey: ApiKeyAuthenticator,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      // The scheme is case-insensitive (RFC 9110); any other scheme or shape is refused.
      const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/i.exec(authorization);
      const principal = match ? await authenticateApiKey(deps, match[1]!) : null;
      if (!principal) {
        reply.header('www-authenticate', 'Bearer realm="gantry"');
        return sendError(
          reply,
          new AppError(
            'invalid_api_key',
            'The API key is missing, malformed, disabled, expired or revoked',
          ),
        );
      }
      request.principal = principal;
      return;
    }

    if (!SAFE_METHODS.has(request.method)) {
      const site = request.headers['sec-fetch-site'];
      const origin = request.headers.origin;
      if (
        site === 'cross-site' ||
        (origin !== undefined && !originAllowed(deps, request, origin))
      ) {
        return sendError(
          reply,
          new AppError('cross_site_request', 'Cross-site requests are refused'),
        );
      }
    }

    const token = request.cookies[SESSION_COOKIE];
    if (token) request.principal = await authenticateSession(deps, token);
  });
}
