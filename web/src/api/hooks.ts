import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { type Account, ApiError, api, call, type Permission } from './client';

/** The signed-in user and their memberships; `null` when signed out. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await call(api.GET('/api/v1/me'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 30_000,
  });
}

/**
 * Whether `/me` has no answer to act on yet: never asked, or a cached "signed out" being asked
 * again (after signing in, it would otherwise send the new user back to sign in).
 */
export function meIsLoading(me: ReturnType<typeof useMe>): boolean {
  return me.isPending || (!me.data && me.isFetching);
}

/** The account in the URL, with the caller's role and permissions. */
export function useAccountId(): string {
  const { accountId } = useParams();
  if (!accountId) throw new Error('useAccountId outside an account route');
  return accountId;
}

export function useAccount(accountId: string) {
  return useQuery({
    queryKey: ['account', accountId],
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}', { params: { path: { accountId } } })),
  });
}

/**
 * What the caller may do on the current account, from the permissions the API
 * returns — the console never derives abilities from role names.
 */
export function usePolicy(account: Account | undefined) {
  const granted = new Set<Permission>(account?.permissions ?? []);
  return { can: (permission: Permission) => granted.has(permission) };
}
