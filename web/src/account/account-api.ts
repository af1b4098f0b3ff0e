import { notifications } from '@mantine/notifications';
import {
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';

/** After sessions were signed out: the sessions list and the security log are read again. */
async function refreshSessions(queryClient: QueryClient): Promise<void> {
  await queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
  await queryClient.invalidateQueries({ queryKey: queryKeys.userEvents });
}

/** Where the signed-in user is signed in. */
export function useSessions() {
  return useQuery({
    queryKey: queryKeys.sessions,
    queryFn: () => call(api.GET('/api/v1/auth/sessions')),
  });
}

/** Signs one other session out. */
export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) =>
      call(api.DELETE('/api/v1/auth/sessions/{sessionId}', { params: { path: { sessionId } } })),
    onSuccess: async () => {
      await refreshSessions(queryClient);
      notifications.show({ color: 'green', message: 'Signed out that session' });
    },
  });
}

/** Signs every other session out. */
export function useRevokeOtherSessions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.DELETE('/api/v1/auth/sessions')),
    onSuccess: async ({ revoked }) => {
      await refreshSessions(queryClient);
      notifications.show({
        color: 'green',
        message:
          revoked === 1 ? 'Signed out 1 other session' : `Signed out ${revoked} other sessions`,
      });
    },
  });
}

/** Renames the signed-in user (a personal account named after them follows). */
export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => call(api.PATCH('/api/v1/me', { body: { name } })),
    onSuccess: async () => {
      // The header shows the name from `me`; a personal account named after the user is
      // renamed with them, so the accounts (switcher, page titles) are read again too.
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
      await queryClient.invalidateQueries({ queryKey: queryKeys.accounts });
      await queryClient.invalidateQueries({ queryKey: queryKeys.userEvents });
      notifications.show({ color: 'green', message: 'Name saved' });
    },
  });
}

/** Changes the password; every other session is signed out (`revoked` says how many). */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      call(api.POST('/api/v1/me/password', { body })),
    onSuccess: () => refreshSessions(queryClient),
  });
}

/** Changes the email one signs in with. */
export function useChangeEmail() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      call(api.POST('/api/v1/me/email', { body })),
    onSuccess: async (answer) => {
      notifications.show(
        answer.pendingEmail
          ? {
              color: 'blue',
              message: `We mailed a link to ${answer.pendingEmail}: your email changes once you follow it`,
            }
          : { color: 'green', message: 'Email changed' },
      );
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
      await queryClient.invalidateQueries({ queryKey: queryKeys.userEvents });
    },
  });
}

/** The signed-in user's security log, page by page. */
export function useUserEvents(pageSize: number) {
  return useInfiniteQuery({
    queryKey: queryKeys.userEvents,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/api/v1/me/events', {
          params: { query: { limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Whether the signed-in user has two-factor sign-in on, with their recovery codes left. */
export function useTwoFactorStatus() {
  return useQuery({
    queryKey: queryKeys.twoFactor,
    queryFn: () => call(api.GET('/api/v1/me/two-factor')),
  });
}

/** After a change to two-factor sign-in: its status and the security log are read again. */
function useRefreshTwoFactor() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: queryKeys.twoFactor });
    await queryClient.invalidateQueries({ queryKey: queryKeys.userEvents });
  };
}

/** Step 1 of turning it on: the password, answered with the secret and its QR code's URI. */
export function useTwoFactorSetup() {
  return useMutation({
    mutationFn: (password: string) =>
      call(api.POST('/api/v1/me/two-factor/setup', { body: { password } })),
  });
}

/** Step 2: the first code from the app; answered with the recovery codes. */
export function useEnableTwoFactor() {
  const refresh = useRefreshTwoFactor();
  return useMutation({
    mutationFn: (code: string) =>
      call(api.POST('/api/v1/me/two-factor/enable', { body: { code } })),
    onSuccess: refresh,
  });
}

/** Ten new recovery codes in place of the old ones. */
export function useRenewRecoveryCodes() {
  const refresh = useRefreshTwoFactor();
  return useMutation({
    mutationFn: (password: string) =>
      call(api.POST('/api/v1/me/two-factor/recovery-codes', { body: { password } })),
    onSuccess: refresh,
  });
}

/** Turns two-factor sign-in off: the password and a code. */
export function useDisableTwoFactor() {
  const refresh = useRefreshTwoFactor();
  return useMutation({
    mutationFn: (body: { password: string; code: string }) =>
      call(api.POST('/api/v1/me/two-factor/disable', { body })),
    onSuccess: async () => {
      notifications.show({ color: 'green', message: 'Two-factor sign-in is off' });
      await refresh();
    },
  });
}
