import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { queryKeys } from '../api/query-keys';
import type { components, paths } from '../api/schema';

export type Pod = components['schemas']['Pod'];
export type PodAction = Pod['actions'][number];
export type PodStatus = Pod['status'];
export type GpuType = components['schemas']['GpuType'];
export type Template = components['schemas']['Template'];

/** Statuses that change on their own soon: poll fast while any Pod is in one. */
const TRANSITIONAL: ReadonlySet<PodStatus> = new Set(['provisioning', 'starting']);

/** The account's Pods, refreshed every 2 s while one is changing, else every 10 s. */
export function usePods(accountId: string, includeTerminated: boolean, enabled = true) {
  return useQuery({
    enabled,
    queryKey: queryKeys.podList(accountId, includeTerminated),
    queryFn: async () => {
      const page = await call(
        api.GET('/api/v1/accounts/{accountId}/pods', {
          params: { path: { accountId }, query: { includeTerminated, limit: 200 } },
        }),
      );
      // Wherever the Pods are read (this page, the dashboard), a waiting toast learns they arrived.
      settlePodToasts(page.items);
      return page;
    },
    refetchInterval: (query) =>
      query.state.data?.items.some((pod) => TRANSITIONAL.has(pod.status)) ? 2000 : 10_000,
  });
}

/** Whether a Pod is still on its way somewhere (its status changes on its own soon). */
export function isTransitional(status: PodStatus): boolean {
  return TRANSITIONAL.has(status);
}

/** The body of a new Pod. */
export type DeployInput =
  paths['/api/v1/accounts/{accountId}/pods']['post']['requestBody']['content']['application/json'];

/** The toast that follows a Pod until it has arrived where it was sent (see `settlePodToasts`). */
function podToastId(podId: string) {
  return `pod-${podId}`;
}

/** Pods whose toast says "…ing" and waits for the Pod to arrive, by id. */
const waitingToasts = new Map<string, string>();

/** Shows "Deploying my-pod…" (or "Starting…") until the Pods list sees it arrive. */
function showWaitingToast(pod: Pod, message: string) {
  waitingToasts.set(pod.id, pod.name);
  notifications.show({
    id: podToastId(pod.id),
    message,
    loading: true,
    autoClose: false,
    withCloseButton: true,
  });
}

const ARRIVED: Partial<Record<PodStatus, string>> = {
  running: 'is running',
  exited: 'is stopped',
  error: 'failed to start',
  terminated: 'is terminated',
};

/**
 * Called with each fresh Pods list: a Pod that was deploying, starting or restarting and has
 * arrived turns its waiting toast into "my-pod is running" (or "failed to start").
 */
export function settlePodToasts(pods: readonly Pod[]) {
  for (const pod of pods) {
    if (!waitingToasts.has(pod.id) || isTransitional(pod.status)) continue;
    waitingToasts.delete(pod.id);
    notifications.update({
      id: podToastId(pod.id),
      message: `${pod.name} ${ARRIVED[pod.status] ?? pod.status}`,
      color: pod.status === 'error' ? 'red' : 'green',
      loading: false,
      autoClose: 4000,
    });
  }
}

/** Deploys a new Pod. */
export function useDeployPod(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DeployInput) =>
      call(
        api.POST('/api/v1/accounts/{accountId}/pods', { params: { path: { accountId } }, body }),
      ),
    onSuccess: async (pod) => {
      showWaitingToast(pod, `Deploying ${pod.name}…`);
      await queryClient.invalidateQueries({ queryKey: queryKeys.pods(accountId) });
    },
  });
}

export const MOVES = ['start', 'stop', 'restart'] as const;
export type Move = (typeof MOVES)[number];

const MOVE_PROGRESS: Record<Move, string> = {
  start: 'Starting',
  stop: 'Stopping',
  restart: 'Restarting',
};

/** Start, stop or restart one Pod, with a toast for each (and its error). */
export function useMovePod(accountId: string, pod: Pod) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: Move) =>
      call(
        api.POST(`/api/v1/accounts/{accountId}/pods/{podId}/${action}`, {
          params: { path: { accountId, podId: pod.id } },
        }),
      ),
    onSuccess: async (moved, action) => {
      if (isTransitional(moved.status)) {
        showWaitingToast(moved, `${MOVE_PROGRESS[action]} ${moved.name}…`);
      } else {
        notifications.show({
          color: 'green',
          message: `${moved.name} ${ARRIVED[moved.status] ?? moved.status}`,
        });
      }
      await queryClient.invalidateQueries({ queryKey: queryKeys.pods(accountId) });
    },
    onError: (error, action) =>
      notifications.show({
        color: 'red',
        message: `Could not ${action} ${pod.name}: ${error.message}`,
      }),
  });
}

/** Terminates a Pod: its process stops and its files are deleted. */
export function useTerminatePod(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (pod: Pod) =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/pods/{podId}', {
          params: { path: { accountId, podId: pod.id } },
        }),
      ),
    onSuccess: async (_, pod) => {
      notifications.show({ message: `${pod.name} is terminated` });
      await queryClient.invalidateQueries({ queryKey: queryKeys.pods(accountId) });
    },
  });
}

/** Where Connect opens a Pod: the URLs of its exposed ports, the first one first. */
export function fetchConnectUrls(accountId: string, podId: string) {
  return call(
    api.GET('/api/v1/accounts/{accountId}/pods/{podId}/connect', {
      params: { path: { accountId, podId } },
    }),
  );
}

/** The end of a Pod's output (64 KiB), while `pod` is set. */
export function usePodLogs(accountId: string, pod: Pod | null) {
  return useQuery({
    queryKey: queryKeys.podLogs(accountId, pod?.id),
    enabled: pod !== null,
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/pods/{podId}/logs', {
          params: { path: { accountId, podId: pod?.id ?? '' }, query: { tailBytes: 65536 } },
        }),
      ),
  });
}

/** The GPU types and templates Pods are made from (operator-editable, rarely changing). */
export function useCatalog() {
  return useQuery({
    queryKey: queryKeys.catalog,
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

/** The query key every Pod query of an account starts with. */
export function podsKey(accountId: string) {
  return queryKeys.pods(accountId);
}

const HOUR = 3600_000;

/** "Extend by 1 hour": moves the Pod's stop an hour further (from now, if it is overdue). */
export function useExtendPodStop(accountId: string, pod: Pod) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => {
      const from = Math.max(Date.parse(pod.stopAt ?? ''), Date.now());
      return call(
        api.PATCH('/api/v1/accounts/{accountId}/pods/{podId}', {
          params: { path: { accountId, podId: pod.id } },
          body: { stopAfter: new Date(from + HOUR).toISOString() },
        }),
      );
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.pods(accountId) }),
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
}
