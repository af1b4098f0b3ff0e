import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf, sessionCallerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, ref } from '../http/schemas.js';
import {
  AccountDtoSchema,
  AccountSecurityBody,
  ConvertAccountBody,
  CreateTeamBody,
  RenameAccountBody,
  TransferOwnershipBody,
} from './accounts.schemas.js';
import {
  convertToTeam,
  createTeamAccount,
  deleteTeam,
  getAccount,
  listAccounts,
  renameAccount,
  setTwoFactorRequirement,
  transferOwnership,
} from './accounts.service.js';

const tags = ['accounts'];

export const accountRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts',
      {
        schema: {
          operationId: 'listAccounts',
          description:
            'Every account the caller is a member of (their personal account and their teams), with their role in each.',
          tags,
          summary: 'Accounts I belong to, with my role',
          response: {
            200: answer(
              "The caller's accounts",
              Type.Object({ items: Type.Array(ref(AccountDtoSchema)), nextCursor: Type.Null() }),
            ),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const memberships = await listAccounts(deps, callerOf(request));
        return { items: memberships.map((m) => m.account), nextCursor: null };
      },
    );

    app.post(
      '/accounts',
      {
        schema: {
          operationId: 'createTeam',
          description:
            'Creates a new team account owned by the signed-in user (its Admin), beside their personal account and other teams; audited `account.create` in the new account. No welcome credit. Not with an API key (403).',
          tags,
          summary: 'Create team: a new team account owned by me, beside my other accounts',
          body: CreateTeamBody,
          response: {
            201: answer('The new team, with my role and permissions', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const account = await createTeamAccount(deps, sessionCallerOf(request), request.body);
        return reply.status(201).send(account);
      },
    );

    app.get(
      '/accounts/:accountId',
      {
        schema: {
          operationId: 'getAccount',
          description:
            'One account the caller is a member of, with their role and the permissions the role gives. Another account is 404.',
          tags,
          summary: 'One account with my role and permissions',
          params: AccountParams,
          response: {
            200: answer('The account', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => getAccount(deps, callerOf(request), request.params.accountId),
    );

    app.patch(
      '/accounts/:accountId',
      {
        schema: {
          operationId: 'updateAccount',
          description: 'Renames the account. Needs `settings.manage`; the change is audited.',
          tags,
          summary: 'Rename an account (settings.manage)',
          params: AccountParams,
          body: RenameAccountBody,
          response: {
            200: answer('The renamed account', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        renameAccount(deps, callerOf(request), request.params.accountId, request.body),
    );

    app.patch(
      '/accounts/:accountId/security',
      {
        schema: {
          operationId: 'updateAccountSecurity',
          tags,
          summary: 'Require two-factor sign-in of every member of a team, or not (settings.manage)',
          description:
            'While required, a member without two-factor sign-in gets 403 ' +
            '`two_factor_required_by_team` on the team (session or API key). Turning it on needs ' +
            'two-factor sign-in of the caller (409 `enable_two_factor_first`); a personal account ' +
            'is 409 `not_a_team`.',
          params: AccountParams,
          body: AccountSecurityBody,
          response: {
            200: answer('The account with its new security settings', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) =>
        setTwoFactorRequirement(deps, callerOf(request), request.params.accountId, request.body),
    );

    app.post(
      '/accounts/:accountId/convert',
      {
        schema: {
          operationId: 'convertToTeam',
          description:
            'Turns a personal account into a team account that can have members and invites. Only its owner may; it cannot be undone (a team goes back to personal only by deleting the team). A team already is 409 `already_team`.',
          tags,
          summary: 'Convert to Team Account (the owner of a personal account; one-way)',
          params: AccountParams,
          body: ConvertAccountBody,
          response: {
            200: answer('The account, now a team', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) =>
        convertToTeam(deps, callerOf(request), request.params.accountId, request.body),
    );

    app.delete(
      '/accounts/:accountId/team',
      {
        schema: {
          operationId: 'deleteTeam',
          description:
            'Turns a team back into a personal account of its owner: every other member is removed and every pending invite revoked. Owner only; a personal account is 409 `not_a_team`.',
          tags,
          summary:
            'Delete Team (owner only): back to a personal account; other members lose access, pending invites are revoked',
          params: AccountParams,
          response: {
            200: answer('The account, personal again', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => deleteTeam(deps, callerOf(request), request.params.accountId),
    );

    app.post(
      '/accounts/:accountId/transfer-ownership',
      {
        schema: {
          operationId: 'transferOwnership',
          description:
            'Makes another member who is an Admin the owner of the team; the former owner stays an Admin. Owner only; a member who is not an Admin is 409 `not_an_admin`.',
          tags,
          summary: 'Transfer ownership to another Admin (owner only)',
          params: AccountParams,
          body: TransferOwnershipBody,
          response: {
            200: answer('The account with its new owner', ref(AccountDtoSchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) =>
        transferOwnership(deps, callerOf(request), request.params.accountId, request.body),
    );
  };
