import { Group, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconExternalLink,
  IconPlayerPlay,
  IconPlayerStop,
  IconRefresh,
  IconTerminal2,
  IconTrash,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { type RowAction, RowActions } from '../components/RowActions';
import type { FullLayoutFrom } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { formatRate } from '../format/money';
import { PodStatusBadge } from './PodStatusBadge';
import {
  fetchConnectUrls,
  MOVES,
  type Move,
  type Pod,
  type PodAction,
  useCatalogNames,
  useMovePod,
} from './pods-api';

/** All the columns from `lg` up: they need ~820 px, more than a 1024 px laptop's page has. */
export const PODS_FULL_FROM: FullLayoutFrom = 'lg';

const MOVE_LABEL: Record<Move, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };

const MOVE_ICON: Record<Move, ReactNode> = {
  start: <IconPlayerPlay size={14} />,
  stop: <IconPlayerStop size={14} />,
  restart: <IconRefresh size={14} />,
};

/** Opens the Pod's first port in a new tab (opened now, a user gesture; pointed there later). */
async function connect(accountId: string, pod: Pod) {
  const tab = window.open('about:blank', '_blank');
  try {
    const { urls } = await fetchConnectUrls(accountId, pod.id);
    const url = urls[0];
    if (!url) throw new Error('This Pod exposes no port');
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    } else window.location.href = url;
  } catch (error) {
    tab?.close();
    notifications.show({
      color: 'red',
      message: `Could not connect to ${pod.name}: ${error instanceof Error ? error.message : 'failed'}`,
    });
  }
}

/** What can be done with a Pod now: Connect or Start in view, the rest in its menu. */
function usePodActions(accountId: string, pod: Pod, onLogs: () => void, onTerminate: () => void) {
  const move = useMovePod(accountId, pod);
  const can = (action: PodAction) => pod.actions.includes(action);
  const primary = can('connect') ? 'connect' : can('start') ? 'start' : null;
  const actions: RowAction[] = [];
  if (primary === 'connect') {
    actions.push({
      key: 'connect',
      label: 'Connect',
      variant: 'filled',
      placement: 'button',
      icon: <IconExternalLink size={14} />,
      onClick: () => void connect(accountId, pod),
    });
  }
  for (const action of MOVES) {
    if (!can(action)) continue;
    actions.push({
      key: action,
      label: MOVE_LABEL[action],
      icon: MOVE_ICON[action],
      placement: action === primary ? 'button' : 'menu',
      loading: move.isPending && move.variables === action,
      disabled: move.isPending,
      onClick: () => move.mutate(action),
    });
  }
  if (pod.status !== 'terminated') {
    actions.push({
      key: 'logs',
      label: 'Logs',
      placement: 'menu',
      icon: <IconTerminal2 size={14} />,
      onClick: onLogs,
    });
  }
  if (can('terminate')) {
    actions.push({
      key: 'terminate',
      label: 'Terminate',
      color: 'red',
      placement: 'menu',
      dividerBefore: true,
      icon: <IconTrash size={14} />,
      onClick: onTerminate,
    });
  }
  return { actions, busy: move.isPending && move.variables !== 'start' };
}

/** One Pod: name, status, GPUs, template, price, creator, and its actions. */
export function PodRow({
  accountId,
  pod,
  onLogs,
  onTerminate,
}: {
  accountId: string;
  pod: Pod;
  onLogs: () => void;
  onTerminate: () => void;
}) {
  const { gpuName, templateName, currency } = useCatalogNames();
  const { actions, busy } = usePodActions(accountId, pod, onLogs, onTerminate);
  const gpus = `${pod.gpuCount} × ${gpuName(pod.gpuType)}`;
  return (
    <Table.Tr data-testid="pod-row" data-pod-name={pod.name}>
      <Table.Td>
        <Text fw={600} lineClamp={1} maw={220} title={pod.name} style={{ wordBreak: 'break-all' }}>
          {pod.name}
        </Text>
        {pod.lastError && (
          <Tooltip label={pod.lastError} multiline w={320}>
            <Text size="xs" c="red" lineClamp={1} maw={220}>
              {pod.lastError}
            </Text>
          </Tooltip>
        )}
        {/* On a phone, where the other columns are hidden: status, GPUs and price. */}
        <Group gap={6} mt={4} hiddenFrom={PODS_FULL_FROM}>
          <PodStatusBadge status={pod.status} />
          <Text size="xs" c="dimmed">
            {gpus} · {formatRate(pod.pricePerHour, currency)}/h
          </Text>
        </Group>
      </Table.Td>
      <Table.Td miw={120} visibleFrom={PODS_FULL_FROM}>
        <PodStatusBadge status={pod.status} testId="pod-status" />
      </Table.Td>
      <Table.Td data-testid="pod-gpus" visibleFrom={PODS_FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={200} title={gpus}>
          {gpus}
        </Text>
      </Table.Td>
      <Table.Td data-testid="pod-template" visibleFrom={PODS_FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={140} title={templateName(pod.templateId)}>
          {templateName(pod.templateId)}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }} visibleFrom={PODS_FULL_FROM}>
        {formatRate(pod.pricePerHour, currency)}/h
      </Table.Td>
      <Table.Td visibleFrom={PODS_FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={160}>
          {pod.createdByName ?? pod.createdBy}
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {formatDateTime(pod.createdAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <RowActions
          actions={actions}
          menuLabel={`More actions for ${pod.name}`}
          menuLoading={busy}
          from={PODS_FULL_FROM}
          testId="pod-actions"
        />
      </Table.Td>
    </Table.Tr>
  );
}
