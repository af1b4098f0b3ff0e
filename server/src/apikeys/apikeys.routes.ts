import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf, sessionCallerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, ref } from '../http/schemas.js';
import {
  ApiKeyParams,
  ApiKeySchema,
  CreateApiKeyBody,
  CreatedApiKeySchema,
} from './apikeys.schemas.js';
import { createApiKey, listApiKeys, revokeApiKey, setApiKeyDisabled } from './apikeys.service.js';

const tags = ['api-keys'];

/**
 * API keys of an account. Creating and re-enabling a key need a signed-in
 * user: a key can neither mint new keys nor revive a disabled one, so a leaked
 * key never outlives its revocation. Listing, disabling and revoking also work
 * with a (not read-only) key.
 */
export const apiKeyRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts/:accountId/api-keys',
      {
        schema: {
          operationId: 'listApiKeys',
          description:
            "The caller's API keys on the account; with `apikeys.manage`, every member's. Secrets are never shown again, only their prefix.",
          tags,
          summary: 'My API keys; with apikeys.manage, every key of the account',
          params: AccountParams,
          response: {
            200: answer(
              'The API keys',
              Type.Object({ items: Type.Array(ref(ApiKeySchema)), nextCursor: Type.Null() }),
            ),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => ({
        items: await listApiKeys(deps, callerOf(request), request.params.accountId),
        nextCursor: null,
      }),
    );

    app.post(
      '/accounts/:accountId/api-keys',
      {
        schema: {
          operationId: 'createApiKey',
          description:
            'Creates an API key that acts as the caller on this account, optionally read-only and expiring. The secret is in this answer only and is stored hashed; too many keys is 409 `api_key_limit_reached`.',
          tags,
          summary: 'Create an API key for myself; the secret is in this answer only',
          params: AccountParams,
          body: CreateApiKeyBody,
          response: {
            201: answer('The new key and its secret, shown this once', ref(CreatedApiKeySchema)),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const created = await createApiKey(
          deps,
          sessionCallerOf(request),
          request.params.accountId,
          request.body,
        );
        return reply.status(201).send(created);
      },
    );

    app.post(
      '/accounts/:accountId/api-keys/:keyId/disable',
      {
        schema: {
          operationId: 'disableApiKey',
          description:
            'Disables an API key until it is enabled again: requests with it are 401. Your own key, or any key with `apikeys.manage`.',
          tags,
          summary: 'Disable an API key (mine, or any with apikeys.manage)',
          params: ApiKeyParams,
          response: {
            200: answer('The disabled key', ref(ApiKeySchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        setApiKeyDisabled(
          deps,
          callerOf(request),
          request.params.accountId,
          request.params.keyId,
          true,
        ),
    );

    app.post(
      '/accounts/:accountId/api-keys/:keyId/enable',
      {
        schema: {
          operationId: 'enableApiKey',
          description:
            'Enables a disabled API key again. Your own key, or any key with `apikeys.manage`.',
          tags,
          summary: 'Re-enable a disabled API key (mine, or any with apikeys.manage)',
          params: ApiKeyParams,
          response: {
            200: answer('The enabled key', ref(ApiKeySchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        setApiKeyDisabled(
          deps,
          sessionCallerOf(request),
          request.params.accountId,
          request.params.keyId,
          false,
        ),
    );

    app.delete(
      '/accounts/:accountId/api-keys/:keyId',
      {
        schema: {
          operationId: 'revokeApiKey',
          description:
            'Revokes an API key for good. Your own key, or any key with `apikeys.manage`.',
          tags,
          summary: 'Revoke an API key for good (mine, or any with apikeys.manage)',
          params: ApiKeyParams,
          response: {
            204: answer('The key is revoked', Type.Null()),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        await revokeApiKey(deps, callerOf(request), request.params.accountId, request.params.keyId);
        return reply.status(204).send(null);
      },
    );
  };
