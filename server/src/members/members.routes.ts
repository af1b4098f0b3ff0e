import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, ref } from '../http/schemas.js';
import { ChangeRoleBody, MemberParams, MemberSchema } from './members.schemas.js';
import { changeMemberRole, listMembers, removeMember } from './members.service.js';

const tags = ['members'];

export const memberRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts/:accountId/members',
      {
        schema: {
          operationId: 'listMembers',
          description:
            'Every member of the account with their role and when they joined. Needs `members.manage`.',
          tags,
          summary: 'Members of the account, read-only for every member (account.use)',
          params: AccountParams,
          response: {
            200: answer(
              'The members',
              Type.Object({ items: Type.Array(ref(MemberSchema)), nextCursor: Type.Null() }),
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => ({
        items: await listMembers(deps, callerOf(request), request.params.accountId),
        nextCursor: null,
      }),
    );

    app.patch(
      '/accounts/:accountId/members/:userId',
      {
        schema: {
          operationId: 'updateMemberRole',
          description:
            "Gives a member another role. Needs `members.manage`; the owner's role cannot change (409 `owner_protected`).",
          tags,
          summary: "Change a member's role (members.manage; never the owner's)",
          params: MemberParams,
          body: ChangeRoleBody,
          response: {
            200: answer('The member with the new role', ref(MemberSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) =>
        changeMemberRole(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.userId,
          request.body,
        ),
    );

    app.delete(
      '/accounts/:accountId/members/:userId',
      {
        schema: {
          operationId: 'removeMember',
          description:
            'Removes a member from the account (needs `members.manage`), or lets the caller leave it when the user is themselves. The owner cannot be removed and cannot leave (409 `owner_protected`).',
          tags,
          summary:
            'Remove a member (members.manage; never the owner), or leave when the user is me',
          params: MemberParams,
          response: {
            204: answer('The member is removed', Type.Null()),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        await removeMember(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.userId,
        );
        return reply.status(204).send(null);
      },
    );
  };
