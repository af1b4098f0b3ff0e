import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { components } from '../api/schema';

export type Billing = components['schemas']['Billing'];
export type BillingTransaction = components['schemas']['BillingTransaction'];
export type TransactionKind = BillingTransaction['kind'];

/** The account's balance, spend, limits and profile (needs billing.view). */
export function useBilling(accountId: string, enabled = true) {
  return useQuery({
    queryKey: ['billing', accountId],
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/billing', { params: { path: { accountId } } })),
    enabled,
    refetchInterval: 60_000,
  });
}
