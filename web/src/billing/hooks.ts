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

/** Money arrives as decimal strings; show it with two decimals, or more when they matter. */
export function showMoney(amount: string, currency?: string): string {
  const [whole = '0', frac = ''] = amount.split('.');
  const trimmed = frac.replace(/0+$/, '');
  const decimals = trimmed.length <= 2 ? frac.slice(0, 2).padEnd(2, '0') : trimmed;
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${currency ? `${currency} ` : ''}${digits}.${decimals}`;
}
