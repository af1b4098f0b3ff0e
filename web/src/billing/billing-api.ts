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

/** How long the balance lasts at the current spend: "about 3 days at this rate". */
export function describeRunway(seconds: number | null): string {
  if (seconds === null) return 'Nothing running';
  if (seconds < 3600) return `about ${Math.floor(seconds / 60)} min at this rate`;
  if (seconds < 48 * 3600) return `about ${Math.floor(seconds / 3600)} h at this rate`;
  return `about ${Math.floor(seconds / 86400)} days at this rate`;
}
