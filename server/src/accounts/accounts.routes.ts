import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, errorResponses, ref } from '../http/schemas.js';
import { AccountDtoSchema } from './accounts.schemas.js';
import { getAccount, listAccounts } from './accounts.service.js';

const tags = ['accounts'];

export const accountRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts',
      {
        schema: {
          tags,
          summary: 'Accounts I belong to, with my role',
          response: {
            200: Type.Object({ items: Type.Array(ref(AccountDtoSchema)), nextCursor: Type.Null() }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const memberships = await listAccounts(deps, callerOf(request));
        return { items: memberships.map((m) => m.account), nextCursor: null };
      },
    );

    app.get(
      '/accounts/:accountId',
      {
        schema: {
          tags,
          summary: 'One account with my role and permissions',
          params: AccountParams,
          response: { 200: ref(AccountDtoSchema), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getAccount(deps, callerOf(request), request.params.accountId),
    );
  };
