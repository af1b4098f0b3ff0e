import { type QueryClient, useQuery } from '@tanstack/react-query';
import { type Account, api, call } from '../api/client';
import type { components } from '../api/schema';

export type Member = components['schemas']['Member'];
export type Invite = components['schemas']['Invite'];
export type InvitePreview = components['schemas']['InvitePreview'];
export type Role = Account['role'];

/** The roles, in the order the console offers them, with the seed page's one-line summaries. */
export const ROLES: ReadonlyArray<{ value: Role; label: string; description: string }> = [
  {
    value: 'basic',
    label: 'Basic',
    description: 'Limited access, primarily for account usage and existing pod connections.',
  },
  {
    value: 'billing',
    label: 'Billing',
    description: 'Specialized role focused on managing billing aspects.',
  },
  {
    value: 'dev',
    label: 'Dev',
    description: 'Enhanced privileges suitable for development tasks.',
  },
  {
    value: 'admin',
    label: 'Admin',
    description: 'Full control over the account, ideal for administrators.',
  },
];

/** "dev" → "Dev". */
export function roleLabel(role: string): string {
  return ROLES.find((r) => r.value === role)?.label ?? role;
}

export const membersKey = (accountId: string) => ['members', accountId] as const;
export const invitesKey = (accountId: string) => ['invites', accountId] as const;

/** The account's members (needs members.manage). */
export function useMembers(accountId: string, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: membersKey(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/members', { params: { path: { accountId } } })),
  });
}

/** The account's pending invites with their links (needs members.manage). */
export function useInvites(accountId: string, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: invitesKey(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/invites', { params: { path: { accountId } } })),
  });
}

/**
 * After a change to the team's shape (convert, rename, roles, members, delete):
 * the account, the switcher's memberships, members and invites are all refetched.
 */
export function refreshTeam(queryClient: QueryClient, accountId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['me'] }),
    queryClient.invalidateQueries({ queryKey: ['account', accountId] }),
    queryClient.invalidateQueries({ queryKey: membersKey(accountId) }),
    queryClient.invalidateQueries({ queryKey: invitesKey(accountId) }),
  ]);
}
