import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
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
import { hashToken, safeEqual } from '../lib/secrets.js';
import { memberRoutes } from '../members/members.routes.js';
import { MemberSchema } from '../members/members.schemas.js';
import { registerConnect } from '../pods/connect.js';
import { podRoutes } from '../pods/pods.routes.js';
import { podSharedSchemas } from '../pods/pods.schemas.js';
import { registerAuthentication } from './authenticate.js';
import {
  isConsolePage,
  registerConsole,
  type SecurityHeaders,
  securityHeaders,
  securityHeadersFor,
} from './console.js';
import { registerErrorHandling } from './errors.js';
import { lazyRequestLogger, RequestLogController } from './logging.js';
import { registerMetrics } from './metrics.js';
import { sendError } from './request.js';
import { answer, ErrorResponse, errorResponses, StringEnum } from './schemas.js';
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
  const security = securityHeaders(deps.config);
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
      setCommonHeaders(request, reply, security);
      return sendError(reply, new AppError('invalid_input', frameworkErrorMessage(error)));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  acceptEmptyJsonBodies(app);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // Headers every answer carries, errors included (Fastify keeps them when a handler throws).
  // A callback hook: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    setCommonHeaders(request, reply, security);
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
      servers: [
        {
          url: '{origin}',
          description: 'This Gantry instance',
          variables: {
            origin: {
              default: 'http://localhost:3000',
              description:
                "The instance's public URL (GANTRY_PUBLIC_URL), without a trailing slash",
            },
          },
        },
      ],
      tags: API_TAGS,
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

  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        description: 'Public. Answers 200 while the process runs, without touching the database.',
        tags: ['system'],
        security: [],
        querystring: NO_QUERY,
        response: { 200: answer('The process is alive', HealthResponse), ...errorResponses(400) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        description:
          'Public. Answers 200 when the database answers a query, 503 `not_ready` when it does not (a load balancer then sends traffic elsewhere). `details.runtime` says how Pods are isolated on this instance.',
        tags: ['system'],
        security: [],
        querystring: NO_QUERY,
        response: {
          200: answer('Ready to serve', ReadyResponse),
          ...errorResponses(400, 503),
        },
      },
    },
    async (_request, reply) => {
      if (await isDatabaseReady(deps.db)) {
        return { status: 'ready' as const, details: readyDetails(deps) };
      }
      return sendError(reply, new AppError('not_ready', 'Database is not reachable'));
    },
  );
  const allowMetrics = metricsGuard(deps.config.metricsToken);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!allowMetrics(request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendError(reply, new AppError('unauthenticated', 'GANTRY_METRICS_TOKEN is required'));
    }
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

  const hasConsole = await registerConsole(app, options.webDir);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (hasConsole && isConsolePage(request.method, path)) {
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

/** The tags of the OpenAPI document's operations, in the order the docs list them. */
const API_TAGS = [
  {
    name: 'auth',
    description:
      'Sign-up, sign-in and sessions; the signed-in user, their password, email and two-factor sign-in',
  },
  {
    name: 'accounts',
    description: 'Personal and team accounts: settings, security, conversion to a team, ownership',
  },
  { name: 'members', description: 'Members of a team and their roles' },
  {
    name: 'invites',
    description: 'Invite links to join a team, and their preview without signing in',
  },
  { name: 'api-keys', description: 'API keys that act as their user on one account' },
  {
    name: 'pods',
    description: 'GPU Pods: the catalog, deploying, starting, stopping, connecting, logs',
  },
  {
    name: 'billing',
    description: 'Balance, spend limits, the ledger, usage and monthly statements',
  },
  {
    name: 'audit',
    description: "The account's tamper-evident audit log: search, export, verification, retention",
  },
  {
    name: 'system',
    description: 'Health and readiness of the instance, for load balancers and orchestrators',
  },
];

const HealthResponse = Type.Object({ status: StringEnum(['ok']) });
const ReadyResponse = Type.Object({
  status: StringEnum(['ready']),
  details: Type.Object({
    runtime: Type.Object({
      driver: Type.String({ description: 'The runtime driver Pods run on (`local`, `docker`)' }),
      sandboxed: Type.Boolean({ description: 'Whether each Pod runs isolated from the host' }),
      singleInstance: Type.Boolean({
        description: 'Whether this driver allows only one Gantry instance per database',
      }),
      userEnv: Type.Boolean({ description: "Whether users may set a Pod's environment" }),
      reason: Type.Optional(Type.String({ description: 'Why Pods are not sandboxed' })),
    }),
  }),
});

/**
 * Whether an `Authorization` header may read `/metrics`: always when no token is set, else only
 * `Bearer <token>`, compared in constant time (both sides hashed, so equal lengths).
 */
export function metricsGuard(token: string | undefined): (authorization?: string) => boolean {
  if (token === undefined) return () => true;
  const wanted = hashToken(token);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return match !== null && safeEqual(hashToken(match[1] as string), wanted);
  };
}

/**
 * The methods that have a route for `path` (HEAD included where Fastify serves it for a GET);
 * empty when no route matches the path at all. Only asked when a request found no route.
 */
/**
 * What `/readyz` says besides ready: how Pods are isolated, and whether this instance must be
 * the only one on its database (the local driver).
 */
function readyDetails(deps: Deps): Static<typeof ReadyResponse>['details'] {
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

/**
 * Headers every answer carries: its request id, no MIME sniffing, no caching of the API, and
 * the security headers of the console or the API (not on the Connect proxy's answers).
 */
function setCommonHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  security: SecurityHeaders,
): void {
  reply.header('x-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
  if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  const headers = securityHeadersFor(security, request.url);
  if (headers) reply.headers(headers);
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
