import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import { accountRoutes } from '../accounts/accounts.routes.js';
import { apiKeyRoutes } from '../apikeys/apikeys.routes.js';
import { apiKeySchemas } from '../apikeys/apikeys.schemas.js';
import { authenticateApiKey } from '../apikeys/apikeys.service.js';
import { flushApiKeyUsage } from '../apikeys/apikeys.usage.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { auditSharedSchemas } from '../audit/audit.schemas.js';
import { authRoutes } from '../auth/auth.routes.js';
import { sharedSchemas } from '../auth/auth.schemas.js';
import { billingRoutes } from '../billing/billing.routes.js';
import { billingSchemas } from '../billing/billing.schemas.js';
import type { Deps } from '../context.js';
import { isDatabaseReady } from '../db/database.js';
import { AppError } from '../errors.js';
import { inviteRoutes } from '../invites/invites.routes.js';
import { InvitePreviewSchema, InviteSchema } from '../invites/invites.schemas.js';
import { newRequestId } from '../lib/ids.js';
import { redactUrl } from '../lib/logger.js';
import { memberRoutes } from '../members/members.routes.js';
import { MemberSchema } from '../members/members.schemas.js';
import { registerConnect } from '../pods/connect.js';
import { podRoutes } from '../pods/pods.routes.js';
import { podSharedSchemas } from '../pods/pods.schemas.js';
import { registerAuthentication } from './authenticate.js';
import { registerErrorHandling } from './errors.js';
import { lazyRequestLogger, RequestLogController } from './logging.js';
import { registerMetrics } from './metrics.js';
import { sendError } from './request.js';
import { ErrorResponse } from './schemas.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  /** Folder of the built console (web/dist); served when present. */
  webDir?: string;
  /** Called for every route as it is registered (the audit coverage test lists them). */
  onRoute?: (route: RouteOptions) => void;
}

export const API_PREFIX = '/api/v1';
export const BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP application: API, OpenAPI document, metrics, health and console. */
export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new RequestLogController(deps.logger),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: BODY_LIMIT,
    genReqId: newRequestId,
    requestIdHeader: false,
    trustProxy: false,
    // A URL the router cannot read answers like any other bad input (no route's hooks ran).
    frameworkErrors: (error, request, reply) => {
      setCommonHeaders(request, reply);
      return sendError(reply, new AppError('invalid_input', frameworkErrorMessage(error)));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  acceptEmptyJsonBodies(app);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // Headers every answer carries, errors included (Fastify keeps them when a handler throws).
  // A callback hook: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    setCommonHeaders(request, reply);
    done();
  });
  registerErrorHandling(app);
  // API keys' last-used times are batched in memory; write what is pending on close.
  app.addHook('onClose', () => flushApiKeyUsage(deps));
  const metrics = registerMetrics(app);

  app.addSchema(ErrorResponse);
  for (const schema of [
    ...sharedSchemas,
    MemberSchema,
    InviteSchema,
    InvitePreviewSchema,
    ...apiKeySchemas,
    ...auditSharedSchemas,
    ...podSharedSchemas,
    ...billingSchemas,
  ]) {
    app.addSchema(schema);
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gantry API',
        version: '1.0.0',
        description:
          'Accounts, teams, Pods, billing, audit logs and API keys for a GPU cloud console.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'gantry_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, gnt_…' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}`,
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    // The UI loads the canonical document, not the plugin's copy at /api/docs/json: swagger-ui
    // downloads its `url` (which the plugin pins to ./json) only when no `urls` are given.
    uiConfig: { urls: [{ url: `${API_PREFIX}/openapi.json`, name: 'Gantry API v1' }] },
  });
  registerConnect(app, deps, authenticateApiKey);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    if (await isDatabaseReady(deps.db)) return { status: 'ready', details: readyDetails(deps) };
    return sendError(reply, new AppError('not_ready', 'Database is not reachable'));
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      refuseUndeclaredQueries(api);
      registerAuthentication(api, deps, authenticateApiKey);
      await api.register(authRoutes(deps));
      await api.register(accountRoutes(deps));
      await api.register(memberRoutes(deps));
      await api.register(inviteRoutes(deps));
      await api.register(apiKeyRoutes(deps));
      await api.register(auditRoutes(deps));
      await api.register(podRoutes(deps));
      await api.register(billingRoutes(deps));
    },
    { prefix: API_PREFIX },
  );

  const webDir = options.webDir;
  const indexHtml = webDir && existsSync(join(webDir, 'index.html'));
  if (webDir && indexHtml) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (
      indexHtml &&
      request.method === 'GET' &&
      !path.startsWith('/api/') &&
      !path.startsWith('/pods/')
    ) {
      return reply.type('text/html').sendFile('index.html');
    }
    const allow = allowedMethods(app, path);
    if (allow.length > 0) {
      return sendError(
        reply,
        new AppError(
          'method_not_allowed',
          `${request.method} is not allowed on ${redactUrl(path)}; allowed: ${allow.join(', ')}`,
          { allow },
        ),
      );
    }
    return sendError(
      reply,
      new AppError('not_found', `No route for ${request.method} ${redactUrl(path)}`),
    );
  });
  return app;
}

/**
 * The methods that have a route for `path` (HEAD included where Fastify serves it for a GET);
 * empty when no route matches the path at all. Only asked when a request found no route.
 */
/**
 * What `/readyz` says besides ready: how Pods are isolated, and whether this instance must be
 * the only one on its database (the local driver).
 */
function readyDetails(deps: Deps): { runtime: Record<string, unknown> } {
  const isolation = deps.runtime.isolation;
  return {
    runtime: {
      driver: deps.runtime.name,
      sandboxed: isolation?.sandboxed ?? true,
      singleInstance: isolation?.singleInstance ?? false,
      userEnv: isolation?.userEnv ?? true,
      ...(isolation?.reason ? { reason: isolation.reason } : {}),
    },
  };
}

function allowedMethods(app: FastifyInstance, path: string): string[] {
  return app.supportedMethods.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/**
 * An API route that declares no query parameters refuses any (`?x=1` is a 400 naming the
 * unknown field), as a route that declares some refuses the others: a misspelt filter is an
 * error, never silently ignored.
 */
function refuseUndeclaredQueries(api: FastifyInstance): void {
  api.addHook('onRoute', (route) => {
    if (route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: NO_QUERY };
    }
  });
}

const NO_QUERY = Type.Object({}, { additionalProperties: false });

/** Headers every answer carries: its request id, no MIME sniffing, and no caching of the API. */
function setCommonHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
  if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
}

/** What is wrong with a URL the router refused, without echoing it (it may hold a token). */
function frameworkErrorMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return 'The URL has a malformed %-escape';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'A segment of the URL path is too long (at most 100 characters)';
    default:
      return 'The URL cannot be read';
  }
}

/**
 * JSON bodies as Fastify parses them, except that an empty body counts as no body: clients that
 * always send `Content-Type: application/json` can call routes without one (DELETE …), and a
 * route that needs a body still refuses the missing one through its schema. JSON is the only
 * body the API reads: Fastify's `text/plain` parser is removed, so a text body gets 415 like
 * any other type instead of reaching a schema as a string.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // parseAs 'string' hands over a string; the type allows a Buffer too.
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.length === 0) return done(null, undefined);
    return parseJson(request, text, done);
  });
}
