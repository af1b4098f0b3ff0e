import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { components } from '../api/schema';

export type Pod = components['schemas']['Pod'];
export type PodAction = Pod['actions'][number];
export type PodStatus = Pod['status'];
export type GpuType = components['schemas']['GpuType'];
export type Template = components['schemas']['Template'];

/** Statuses that change on their own soon: poll fast while any Pod is in one. */
const TRANSITIONAL: ReadonlySet<PodStatus> = new Set(['provisioning', 'starting']);

export const podsKey = (accountId: string) => ['pods', accountId] as const;

/** The account's Pods, refreshed every 2 s while one is changing, else every 10 s. */
export function usePods(accountId: string, includeTerminated: boolean, enabled = true) {
  return useQuery({
    enabled,
    queryKey: [...podsKey(accountId), { includeTerminated }],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/pods', {
          params: { path: { accountId }, query: { includeTerminated, limit: 200 } },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((pod) => TRANSITIONAL.has(pod.status)) ? 2000 : 10_000,
  });
}

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: () => call(api.GET('/api/v1/catalog')),
    staleTime: 5 * 60_000,
  });
}

/** "1.990000" → "$1.99" (up to 6 decimals kept when they matter). */
export function formatPrice(decimal: string): string {
  const [whole = '0', frac = ''] = decimal.split('.');
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `$${whole}.${trimmed}`;
}
