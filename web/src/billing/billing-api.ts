import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import type { components, paths } from '../api/schema';

export type Billing = components['schemas']['Billing'];
export type BillingTransaction = components['schemas']['BillingTransaction'];
export type TransactionKind = BillingTransaction['kind'];
export type BillingUpdate =
  paths['/api/v1/accounts/{accountId}/billing']['patch']['requestBody']['content']['application/json'];

/** The account's balance, spend, limits and profile (needs billing.view). */
export function useBilling(accountId: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.billing(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/billing', { params: { path: { accountId } } })),
    enabled,
    refetchInterval: 60_000,
  });
}

/** Saves billing details and limits (billing.manage); only the changed fields are sent. */
export function useUpdateBilling(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BillingUpdate) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/billing', {
          params: { path: { accountId } },
          body,
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(queryKeys.billing(accountId), updated);
      notifications.show({ message: 'Billing details saved', color: 'green' });
    },
  });
}

/** One page of the ledger, newest first, optionally of one kind. */
export function useTransactions(
  accountId: string,
  kind: TransactionKind | null,
  cursor: string | undefined,
  limit: number,
) {
  return useQuery({
    queryKey: queryKeys.billingTransactions(accountId, kind, cursor),
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/transactions', {
          params: {
            path: { accountId },
            query: { limit, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
  });
}

/** Usage of the last 30 days, by day and by Pod (with the Pods' names). */
export function useUsage(accountId: string) {
  return useQuery({
    queryKey: queryKeys.billingUsage(accountId),
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/usage', {
          params: { path: { accountId } },
        }),
      ),
  });
}

/** Monthly statements, each downloadable as CSV or JSON. */
export function useStatements(accountId: string) {
  return useQuery({
    queryKey: queryKeys.billingStatements(accountId),
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/statements', {
          params: { path: { accountId } },
        }),
      ),
  });
}

/** How long the balance lasts at the current spend: "about 3 days at this rate". */
export function describeRunway(seconds: number | null): string {
  if (seconds === null) return 'Nothing running';
  if (seconds < 3600) return `about ${Math.floor(seconds / 60)} min at this rate`;
  if (seconds < 48 * 3600) return `about ${Math.floor(seconds / 3600)} h at this rate`;
  return `about ${Math.floor(seconds / 86400)} days at this rate`;
}
