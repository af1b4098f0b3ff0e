import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import { type AuditQuery, SYSTEM_ACTION } from './audit-filters';

const PAGE_SIZE = 50;

/** The account's audit log for these filters, 50 events a page, newest first. */
export function useAuditEvents(accountId: string, query: AuditQuery) {
  return useInfiniteQuery({
    queryKey: queryKeys.auditEvents(accountId, query),
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs', {
          params: {
            path: { accountId },
            query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While a new filter loads, the rows of the last one stay (dimmed) instead of a blank list.
    placeholderData: keepPreviousData,
  });
}

/** The latest few events, for the dashboard (needs audit.view). */
export function useRecentAuditEvents(accountId: string, limit: number, enabled: boolean) {
  const query: AuditQuery = { excludeAction: SYSTEM_ACTION };
  return useQuery({
    enabled,
    queryKey: queryKeys.auditRecent(accountId),
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs', {
          params: { path: { accountId }, query: { ...query, limit } },
        }),
      ),
    refetchInterval: 30_000,
  });
}

/** Everyone who appears in the log, members and former members (for the User filter). */
export function useAuditActors(accountId: string) {
  return useQuery({
    queryKey: queryKeys.auditActors(accountId),
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs/actors', {
          params: { path: { accountId } },
        }),
      ),
  });
}

/** Checks the hash chain of the account's log. */
export function useVerifyAudit(accountId: string) {
  return useMutation({
    mutationFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs/verify', {
          params: { path: { accountId } },
        }),
      ),
  });
}
