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

/** The GPU types and templates Pods are made from (operator-editable, rarely changing). */
export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: () => call(api.GET('/api/v1/catalog')),
    staleTime: 5 * 60_000,
  });
}

/**
 * What a Pod's row shows from the catalog: display names of GPU types and templates by id (the
 * id when not listed), and the currency of prices.
 */
export function useCatalogNames() {
  const catalog = useCatalog();
  const gpus = new Map(catalog.data?.gpuTypes.map((g) => [g.id, g.name]));
  const templates = new Map(catalog.data?.templates.map((t) => [t.id, t.name]));
  return {
    gpuName: (id: string) => gpus.get(id) ?? id,
    templateName: (id: string) => templates.get(id) ?? id,
    currency: catalog.data?.currency,
  };
}

/** What the dashboard says of the account's Pods: running now, GPUs in use, the rest. */
export function podsSummary(pods: readonly Pod[]) {
  let running = 0;
  let gpus = 0;
  let starting = 0;
  let stopped = 0;
  let failed = 0;
  for (const pod of pods) {
    if (pod.status === 'running') {
      running++;
      gpus += pod.gpuCount;
    } else if (pod.status === 'provisioning' || pod.status === 'starting') starting++;
    else if (pod.status === 'exited') stopped++;
    else if (pod.status === 'error') failed++;
  }
  const others = [
    starting > 0 && `${starting} starting`,
    stopped > 0 && `${stopped} stopped`,
    failed > 0 && `${failed} failed`,
  ].filter(Boolean);
  return { running, gpus, others: others.join(' · ') };
}
