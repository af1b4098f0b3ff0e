import { notifications } from '@mantine/notifications';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type Account, api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import type { components } from '../api/schema';

export type Member = components['schemas']['Member'];
export type Invite = components['schemas']['Invite'];
export type InvitePreview = components['schemas']['InvitePreview'];
export type Role = Account['role'];

/**
 * The roles, in the order the console offers them, each with what it can and cannot do: the
 * policy table (SPEC §4) in words.
 */
export const ROLES: ReadonlyArray<{ value: Role; label: string; description: string }> = [
  {
    value: 'basic',
    label: 'Basic',
    description:
      'Sees the Pods and connects to them. Cannot create, start, stop or delete Pods, see billing or manage the team.',
  },
  {
    value: 'billing',
    label: 'Billing',
    description:
      'Sees and manages billing: balance, spend limit, billing details and statements. Cannot see or use Pods or manage the team.',
  },
  {
    value: 'dev',
    label: 'Dev',
    description:
      'Creates, starts, stops and connects to Pods, and deletes the Pods they created. Cannot see billing or manage the team.',
  },
  {
    value: 'admin',
    label: 'Admin',
    description:
      'Everything: every Pod, billing, team name and settings, members and invites, audit logs and every API key.',
  },
];

/** "dev" → "Dev". */
export function roleLabel(role: string): string {
  return ROLES.find((r) => r.value === role)?.label ?? role;
}

/** What a role can and cannot do, in a sentence. */
export function roleDescription(role: string): string | undefined {
  return ROLES.find((r) => r.value === role)?.description;
}

/** The account's members. */
export function useMembers(accountId: string, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: queryKeys.members(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/members', { params: { path: { accountId } } })),
  });
}

/**
 * After a change to the team's shape (convert, rename, roles, members, delete):
 * the account, the switcher's memberships, members and invites are all refetched.
 */
export function refreshTeam(queryClient: QueryClient, accountId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: queryKeys.me }),
    queryClient.invalidateQueries({ queryKey: queryKeys.account(accountId) }),
    queryClient.invalidateQueries({ queryKey: queryKeys.members(accountId) }),
    queryClient.invalidateQueries({ queryKey: queryKeys.invites(accountId) }),
  ]);
}

/** An account the API answered after a change: cached as is, then the team is read again. */
async function storeAccount(queryClient: QueryClient, account: Account) {
  queryClient.setQueryData(queryKeys.account(account.id), account);
  await refreshTeam(queryClient, account.id);
}

/** Renames the team (settings.manage). */
export function useRenameTeam(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}', {
          params: { path: { accountId } },
          body: { name },
        }),
      ),
    onSuccess: async (updated) => {
      await storeAccount(queryClient, updated);
      notifications.show({ color: 'green', message: 'Team name saved' });
    },
  });
}

/** Gives a member another role. */
export function useChangeRole(accountId: string, userId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (role: Role) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/members/{userId}', {
          params: { path: { accountId, userId } },
          body: { role },
        }),
      ),
    onSuccess: async (updated) => {
      await refreshTeam(queryClient, accountId);
      notifications.show({
        color: 'green',
        message: `${updated.name} is now ${roleLabel(updated.role)}`,
      });
    },
  });
}

/** Removes a member from the team. */
export function useRemoveMember(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (member: Member) =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/members/{userId}', {
          params: { path: { accountId, userId: member.userId } },
        }),
      ),
    onSuccess: async (_, member) => {
      await refreshTeam(queryClient, accountId);
      notifications.show({ message: `${member.name} was removed from the team` });
    },
  });
}

/** The signed-in member leaves the team: the account is forgotten, the memberships read again. */
export function useLeaveTeam(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/members/{userId}', {
          params: { path: { accountId, userId } },
        }),
      ),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: queryKeys.account(accountId) });
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

/** Makes another Admin the owner (the owner only). */
export function useTransferOwnership(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (member: Member) =>
      call(
        api.POST('/api/v1/accounts/{accountId}/transfer-ownership', {
          params: { path: { accountId } },
          body: { userId: member.userId },
        }),
      ),
    onSuccess: async (_, member) => {
      await refreshTeam(queryClient, accountId);
      notifications.show({ color: 'green', message: `${member.name} is now the owner` });
    },
  });
}

/** Delete Team (the owner only): the account becomes the owner's personal account again. */
export function useDeleteTeam(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/team', {
          params: { path: { accountId } },
        }),
      ),
    onSuccess: async (personal) => {
      await storeAccount(queryClient, personal);
      notifications.show({ message: `${personal.name} is a personal account again` });
    },
  });
}

/** Convert to Team Account (the owner of a personal account). */
export function useConvertToTeam(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (teamName: string) =>
      call(
        api.POST('/api/v1/accounts/{accountId}/convert', {
          params: { path: { accountId } },
          body: { teamName },
        }),
      ),
    onSuccess: async (team) => {
      await storeAccount(queryClient, team);
      notifications.show({ color: 'green', message: `${team.name} is now a team account` });
    },
  });
}

/** Requires (or stops requiring) two-factor sign-in of every member. */
export function useRequireTwoFactor(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (requireTwoFactor: boolean) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/security', {
          params: { path: { accountId } },
          body: { requireTwoFactor },
        }),
      ),
    onSuccess: async (updated) => {
      await storeAccount(queryClient, updated);
      notifications.show({
        color: 'green',
        message: updated.requireTwoFactor
          ? 'Two-factor sign-in is now required'
          : 'Two-factor sign-in is no longer required',
      });
    },
  });
}

/** Create team: a new team account owned by me, beside my personal account and the others. */
export function useCreateTeam() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => call(api.POST('/api/v1/accounts', { body: { name } })),
    onSuccess: async (team) => {
      queryClient.setQueryData(queryKeys.account(team.id), team);
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
      notifications.show({
        color: 'green',
        message: `${team.name} is created: invite people from Team`,
      });
    },
  });
}
