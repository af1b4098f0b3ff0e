import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import type { components, paths } from '../api/schema';

export type ApiKey = components['schemas']['ApiKey'];
export type CreatedApiKey = components['schemas']['CreatedApiKey'];
export type ApiKeyInput =
  paths['/api/v1/accounts/{accountId}/api-keys']['post']['requestBody']['content']['application/json'];

/** The caller's keys in the account (every key, with apikeys.manage). */
export function useApiKeys(accountId: string) {
  return useQuery({
    queryKey: queryKeys.apiKeys(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/api-keys', { params: { path: { accountId } } })),
  });
}

/** Creates a key; the answer holds its secret, shown once. */
export function useCreateApiKey(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiKeyInput) =>
      call(
        api.POST('/api/v1/accounts/{accountId}/api-keys', {
          params: { path: { accountId } },
          body,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys(accountId) }),
  });
}

/** Disables or enables a key, with a toast either way. */
export function useToggleApiKey(accountId: string, keyId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: 'disable' | 'enable') =>
      call(
        api.POST(`/api/v1/accounts/{accountId}/api-keys/{keyId}/${action}`, {
          params: { path: { accountId, keyId } },
        }),
      ),
    onSuccess: (updated) => {
      notifications.show({
        message: `${updated.name} ${updated.disabled ? 'disabled' : 'enabled'}`,
        color: updated.disabled ? 'orange' : 'green',
      });
      return queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys(accountId) });
    },
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
}

/** Revokes a key for good. */
export function useRevokeApiKey(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (apiKey: ApiKey) =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/api-keys/{keyId}', {
          params: { path: { accountId, keyId: apiKey.id } },
        }),
      ),
    onSuccess: async (_, apiKey) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys(accountId) });
      notifications.show({ message: `${apiKey.name} revoked` });
    },
  });
}
