import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf, sessionCallerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, ref } from '../http/schemas.js';
import {
  AcceptInviteResponse,
  CreateInviteBody,
  InviteParams,
  InvitePreviewSchema,
  InviteSchema,
  TokenParams,
} from './invites.schemas.js';
import {
  acceptInvite,
  createInvite,
  listInvites,
  previewInvite,
  revokeInvite,
} from './invites.service.js';

const tags = ['invites'];

export const inviteRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts/:accountId/invites',
      {
        schema: {
          operationId: 'listInvites',
          description:
            'The pending invites of a team, with their links, roles and expiry. Needs `members.manage`.',
          tags,
          summary: 'Pending invites with their links (members.manage)',
          params: AccountParams,
          response: {
            200: answer(
              'The pending invites',
              Type.Object({ items: Type.Array(ref(InviteSchema)), nextCursor: Type.Null() }),
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => ({
        items: await listInvites(deps, callerOf(request), request.params.accountId),
        nextCursor: null,
      }),
    );

    app.post(
      '/accounts/:accountId/invites',
      {
        schema: {
          operationId: 'createInvite',
          description:
            'Creates an invite link that adds whoever accepts it to the team with the role given, until it expires or is used up. Needs `members.manage`; a personal account is 409 `not_a_team`.',
          tags,
          summary: 'Create an invite link (members.manage; team accounts only)',
          params: AccountParams,
          body: CreateInviteBody,
          response: {
            201: answer('The invite, with its link', ref(InviteSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const invite = await createInvite(
          deps,
          callerOf(request),
          request.params.accountId,
          request.body,
        );
        return reply.status(201).send(invite);
      },
    );

    app.delete(
      '/accounts/:accountId/invites/:inviteId',
      {
        schema: {
          operationId: 'revokeInvite',
          description:
            'Revokes a pending invite: its link stops working (410 `invite_revoked`). Needs `members.manage`.',
          tags,
          summary: 'Revoke a pending invite (members.manage)',
          params: InviteParams,
          response: {
            204: answer('The invite is revoked', Type.Null()),
            ...errorResponses(400, 401, 403, 404, 410),
          },
        },
      },
      async (request, reply) => {
        await revokeInvite(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.inviteId,
        );
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/invites/:token',
      {
        schema: {
          operationId: 'previewInvite',
          description:
            "Public. What an invite link offers, before signing in or up: the team's name, the role, the expiry and who invited. An expired, revoked or used-up link is 410.",
          tags,
          summary: 'Preview an invite link (no sign-in): team name, role, expiry, inviter',
          security: [],
          params: TokenParams,
          response: {
            200: answer('What the invite offers', ref(InvitePreviewSchema)),
            ...errorResponses(400, 404, 410),
          },
        },
      },
      async (request) => previewInvite(deps, request.params.token),
    );

    app.post(
      '/invites/:token/accept',
      {
        schema: {
          operationId: 'acceptInvite',
          description:
            'Adds the signed-in user to the team of the invite link, with its role. A member already is 409 `already_member`; an invite for another email is 403 `invite_email_mismatch`; an expired, revoked or used-up one is 410.',
          tags,
          summary: 'Join Team: accept an invite link as the signed-in user',
          params: TokenParams,
          response: {
            200: answer('The team joined and the role in it', AcceptInviteResponse),
            ...errorResponses(400, 401, 403, 404, 409, 410),
          },
        },
      },
      async (request) => acceptInvite(deps, sessionCallerOf(request), request.params.token),
    );
  };
