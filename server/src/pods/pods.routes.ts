import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, errorResponses, Page, ref } from '../http/schemas.js';
import { formatMoney } from '../lib/money.js';
import {
  CatalogResponse,
  ConnectResponse,
  CreatePodBody,
  ListPodsQuery,
  LogsQuery,
  LogsResponse,
  PodDtoSchema,
  PodParams,
} from './pods.schemas.js';
import {
  availableGpus,
  createPod,
  getConnectDetails,
  getPod,
  getPodLogs,
  listPods,
  movePod,
} from './pods.service.js';
import type { PodMove } from './state.js';

const tags = ['pods'];

export const podRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/catalog',
      {
        schema: {
          tags,
          summary: 'GPU types with their hourly prices, and templates',
          response: { 200: CatalogResponse, ...errorResponses(401) },
        },
      },
      async (request) => {
        callerOf(request);
        const free = await availableGpus(deps);
        return {
          currency: deps.config.currency,
          gpuTypes: deps.catalog.gpuTypes.map((g) => ({
            id: g.id,
            name: g.name,
            memoryGb: g.memoryGb,
            pricePerHour: formatMoney(g.pricePerHourMicro),
            vcpusPerGpu: g.vcpusPerGpu,
            memoryGbPerGpu: g.memoryGbPerGpu,
            available: free ? (free.get(g.id) ?? 0) : null,
          })),
          templates: deps.catalog.templates.map((t) => ({
            id: t.id,
            name: t.name,
            description: t.description,
            ports: t.ports,
          })),
        };
      },
    );

    app.get(
      '/accounts/:accountId/pods',
      {
        schema: {
          tags,
          summary: 'Pods of the account (terminated ones only with includeTerminated=true)',
          params: AccountParams,
          querystring: ListPodsQuery,
          response: { 200: Page(ref(PodDtoSchema)), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => listPods(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.post(
      '/accounts/:accountId/pods',
      {
        schema: {
          tags,
          summary: 'Create a Pod and start it',
          params: AccountParams,
          body: CreatePodBody,
          response: { 201: ref(PodDtoSchema), ...errorResponses(400, 401, 402, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const pod = await createPod(
          deps,
          callerOf(request),
          request.params.accountId,
          request.body,
        );
        return reply.code(201).send(pod);
      },
    );

    app.get(
      '/accounts/:accountId/pods/:podId',
      {
        schema: {
          tags,
          summary: 'One Pod',
          params: PodParams,
          response: { 200: ref(PodDtoSchema), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        getPod(deps, callerOf(request), request.params.accountId, request.params.podId),
    );

    const moves: Array<[PodMove, string]> = [
      ['start', 'Start a Pod that is exited or in error'],
      ['stop', 'Stop a Pod'],
      ['restart', 'Restart a running Pod (needs pods.stop and pods.start)'],
    ];
    for (const [move, summary] of moves) {
      app.post(
        `/accounts/:accountId/pods/:podId/${move}`,
        {
          schema: {
            tags,
            summary,
            params: PodParams,
            response: {
              200: ref(PodDtoSchema),
              ...errorResponses(400, 401, ...(move === 'stop' ? [] : [402]), 403, 404, 409),
            },
          },
        },
        async (request) =>
          movePod(deps, callerOf(request), request.params.accountId, request.params.podId, move),
      );
    }

    app.delete(
      '/accounts/:accountId/pods/:podId',
      {
        schema: {
          tags,
          summary: 'Terminate a Pod (a Dev: only Pods they created)',
          params: PodParams,
          response: { 200: ref(PodDtoSchema), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        movePod(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.podId,
          'terminate',
        ),
    );

    app.get(
      '/accounts/:accountId/pods/:podId/connect',
      {
        schema: {
          tags,
          summary: "URLs of the running Pod's exposed ports through Gantry's Connect proxy",
          params: PodParams,
          response: { 200: ConnectResponse, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        getConnectDetails(deps, callerOf(request), request.params.accountId, request.params.podId),
    );

    app.get(
      '/accounts/:accountId/pods/:podId/logs',
      {
        schema: {
          tags,
          summary: "The tail of the Pod's output",
          params: PodParams,
          querystring: LogsQuery,
          response: { 200: LogsResponse, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        getPodLogs(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.podId,
          request.query.tailBytes,
        ),
    );
  };
