import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import type { paths } from '../api/schema';
import type { Invite } from './teams-api';

/** The account's pending invites with their links (needs members.manage). */
export function useInvites(accountId: string, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: queryKeys.invites(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/invites', { params: { path: { accountId } } })),
  });
}

/** The body of a new invite. */
export type InviteInput =
  paths['/api/v1/accounts/{accountId}/invites']['post']['requestBody']['content']['application/json'];

/** Creates an invite; its link is in the answer. */
export function useCreateInvite(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: InviteInput) =>
      call(
        api.POST('/api/v1/accounts/{accountId}/invites', {
          params: { path: { accountId } },
          body,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.invites(accountId) }),
  });
}

/** Revokes a pending invite: its link stops working. */
export function useRevokeInvite(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (invite: Invite) =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/invites/{inviteId}', {
          params: { path: { accountId, inviteId: invite.id } },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.invites(accountId) });
      notifications.show({ message: 'Invite revoked: its link no longer works' });
    },
  });
}

/** What an invite link offers (public: no sign-in needed). */
export function useInvitePreview(token: string) {
  return useQuery({
    queryKey: queryKeys.invitePreview(token),
    queryFn: () => call(api.GET('/api/v1/invites/{token}', { params: { path: { token } } })),
    retry: false,
  });
}

/** Join Team: accepts the invite as the signed-in user. */
export function useAcceptInvite(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      call(api.POST('/api/v1/invites/{token}/accept', { params: { path: { token } } })),
    onSuccess: async ({ account }) => {
      await queryClient.invalidateQueries();
      notifications.show({ color: 'green', message: `Welcome to ${account.name}` });
    },
  });
}
