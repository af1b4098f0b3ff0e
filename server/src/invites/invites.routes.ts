import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf, sessionCallerOf } from '../http/request.js';
import { AccountParams, errorResponses, ref } from '../http/schemas.js';
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
          tags,
          summary: 'Pending invites with their links (members.manage)',
          params: AccountParams,
          response: {
            200: Type.Object({ items: Type.Array(ref(InviteSchema)), nextCursor: Type.Null() }),
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
          tags,
          summary: 'Create an invite link (members.manage; team accounts only)',
          params: AccountParams,
          body: CreateInviteBody,
          response: { 201: ref(InviteSchema), ...errorResponses(400, 401, 403, 404, 409) },
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
          tags,
          summary: 'Revoke a pending invite (members.manage)',
          params: InviteParams,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 410) },
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
          tags,
          summary: 'Preview an invite link (no sign-in): team name, role, expiry, inviter',
          security: [],
          params: TokenParams,
          response: { 200: ref(InvitePreviewSchema), ...errorResponses(400, 404, 410) },
        },
      },
      async (request) => previewInvite(deps, request.params.token),
    );

    app.post(
      '/invites/:token/accept',
      {
        schema: {
          tags,
          summary: 'Join Team: accept an invite link as the signed-in user',
          params: TokenParams,
          response: {
            200: AcceptInviteResponse,
            ...errorResponses(400, 401, 403, 404, 409, 410),
          },
        },
      },
      async (request) => acceptInvite(deps, sessionCallerOf(request), request.params.token),
    );
  };
