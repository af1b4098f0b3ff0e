import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, Page, ref } from '../http/schemas.js';
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
          operationId: 'getCatalog',
          description:
            'The GPU types a Pod can run on, with their memory and hourly price, and the templates a Pod can start from, with their exposed ports. The same for every account.',
          tags,
          summary: 'GPU types with their hourly prices, and templates',
          response: {
            200: answer('The GPU types and templates', CatalogResponse),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        callerOf(request);
        return {
          currency: deps.config.currency,
          gpuTypes: deps.catalog.gpuTypes.map((g) => ({
            id: g.id,
            name: g.name,
            memoryGb: g.memoryGb,
            pricePerHour: formatMoney(g.pricePerHourMicro),
          })),
          templates: deps.catalog.templates.map((t) => ({
            id: t.id,
            name: t.name,
            description: t.description,
            ports: t.ports,
            env: [...(t.runtime.env ?? [])],
          })),
        };
      },
    );

    app.get(
      '/accounts/:accountId/pods',
      {
        schema: {
          operationId: 'listPods',
          description:
            "The account's Pods, newest first and paged with `cursor`; terminated Pods only with `includeTerminated=true`. Needs `pods.view`.",
          tags,
          summary: 'Pods of the account (terminated ones only with includeTerminated=true)',
          params: AccountParams,
          querystring: ListPodsQuery,
          response: {
            200: answer('A page of Pods', Page(ref(PodDtoSchema))),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => listPods(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.post(
      '/accounts/:accountId/pods',
      {
        schema: {
          operationId: 'createPod',
          description:
            'Creates a Pod on a GPU type from a template, with optional environment variables, and starts it; billing starts when it runs. Needs `pods.create`. Too little balance is 402 `insufficient_balance`; over the spend limit or the Pod limit is 409.',
          tags,
          summary: 'Create a Pod and start it',
          params: AccountParams,
          body: CreatePodBody,
          response: {
            201: answer('The new Pod, deploying', ref(PodDtoSchema)),
            ...errorResponses(400, 401, 402, 403, 404, 409),
          },
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
          operationId: 'getPod',
          description:
            'One Pod of the account with its status, GPU type, template and cost. Needs `pods.view`.',
          tags,
          summary: 'One Pod',
          params: PodParams,
          response: {
            200: answer('The Pod', ref(PodDtoSchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        getPod(deps, callerOf(request), request.params.accountId, request.params.podId),
    );

    const moves: Array<{
      move: PodMove;
      operationId: string;
      summary: string;
      description: string;
      answered: string;
    }> = [
      {
        move: 'start',
        operationId: 'startPod',
        summary: 'Start a Pod that is exited or in error',
        description:
          'Starts a Pod that has exited or is in error; billing starts again while it runs. Needs `pods.start`; a Pod in another state is 409 `invalid_pod_transition`, too little balance 402.',
        answered: 'The Pod, starting',
      },
      {
        move: 'stop',
        operationId: 'stopPod',
        summary: 'Stop a Pod',
        description:
          'Stops a running Pod, keeping it to start again; billing stops. Needs `pods.stop`; a Pod in another state is 409 `invalid_pod_transition`.',
        answered: 'The Pod, stopping',
      },
      {
        move: 'restart',
        operationId: 'restartPod',
        summary: 'Restart a running Pod (needs pods.stop and pods.start)',
        description:
          'Stops a running Pod and starts it again. Needs `pods.stop` and `pods.start`; a Pod that is not running is 409 `invalid_pod_transition`.',
        answered: 'The Pod, restarting',
      },
    ];
    for (const { move, operationId, summary, description, answered } of moves) {
      app.post(
        `/accounts/:accountId/pods/:podId/${move}`,
        {
          schema: {
            operationId,
            description,
            tags,
            summary,
            params: PodParams,
            response: {
              200: answer(answered, ref(PodDtoSchema)),
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
          operationId: 'terminatePod',
          description:
            'Stops the Pod for good; billing stops. Needs `pods.terminate` (a Dev may terminate only Pods they created).',
          tags,
          summary: 'Terminate a Pod (a Dev: only Pods they created)',
          params: PodParams,
          response: {
            200: answer('The terminated Pod', ref(PodDtoSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
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
          operationId: 'getPodConnectUrls',
          description:
            "The URLs through which each exposed port of a running Pod is reached via Gantry's Connect proxy (under /pods/). Needs `pods.connect`. A Pod that is not running is 409 `pod_not_running`.",
          tags,
          summary: "URLs of the running Pod's exposed ports through Gantry's Connect proxy",
          params: PodParams,
          response: {
            200: answer("The URLs of the Pod's ports", ConnectResponse),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) =>
        getConnectDetails(deps, callerOf(request), request.params.accountId, request.params.podId),
    );

    app.get(
      '/accounts/:accountId/pods/:podId/logs',
      {
        schema: {
          operationId: 'getPodLogs',
          description:
            "The last bytes of the Pod's output (stdout and stderr), at most `tailBytes`. Needs `pods.view`.",
          tags,
          summary: "The tail of the Pod's output",
          params: PodParams,
          querystring: LogsQuery,
          response: {
            200: answer("The tail of the Pod's output", LogsResponse),
            ...errorResponses(400, 401, 403, 404),
          },
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
