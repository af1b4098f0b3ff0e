import { Anchor, Group, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconClockPlus,
  IconExternalLink,
  IconPlayerPlay,
  IconPlayerStop,
  IconPrompt,
  IconRefresh,
  IconTerminal2,
  IconTrash,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { type RowAction, RowActions } from '../components/RowActions';
import type { FullLayoutFrom } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { formatRate } from '../format/money';
import { openConnectTab } from './connect-tab';
import { PodScheduleNote } from './PodSchedule';
import { PodStatusBadge } from './PodStatusBadge';
import {
  MOVES,
  type Move,
  type Pod,
  type PodAction,
  useCatalog,
  useCatalogNames,
  useExtendPodStop,
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
  const problem = await openConnectTab(accountId, pod.id);
  if (problem) {
    notifications.show({ color: 'red', message: `Could not connect to ${pod.name}: ${problem}` });
  }
}

interface PodRowHandlers {
  onLogs: () => void;
  onTerminal: () => void;
  onTerminate: () => void;
}

/** What can be done with a Pod now: Connect or Start in view, the rest in its menu. */
function usePodActions(accountId: string, pod: Pod, handlers: PodRowHandlers) {
  const { onLogs, onTerminal, onTerminate } = handlers;
  const move = useMovePod(accountId, pod);
  const extend = useExtendPodStop(accountId, pod);
  const catalog = useCatalog();
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
  if (pod.stopAt !== null && can('stop')) {
    actions.push({
      key: 'extend',
      label: 'Extend by 1 hour',
      placement: 'menu',
      icon: <IconClockPlus size={14} />,
      disabled: extend.isPending,
      onClick: () => extend.mutate(),
    });
  }
  if (catalog.data?.terminal === true && can('connect')) {
    actions.push({
      key: 'terminal',
      label: 'Terminal',
      placement: 'menu',
      icon: <IconPrompt size={14} />,
      onClick: onTerminal,
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
  ...handlers
}: { accountId: string; pod: Pod } & PodRowHandlers) {
  const { gpuName, templateName, currency } = useCatalogNames();
  const { actions, busy } = usePodActions(accountId, pod, handlers);
  const gpus = `${pod.gpuCount} × ${gpuName(pod.gpuType)}`;
  return (
    <Table.Tr data-testid="pod-row" data-pod-name={pod.name} data-pod-id={pod.id}>
      <Table.Td>
        <Anchor
          component={Link}
          to={`/accounts/${accountId}/pods/${pod.id}`}
          fw={600}
          lineClamp={1}
          maw={220}
          title={pod.name}
          c="inherit"
          style={{ wordBreak: 'break-all' }}
        >
          {pod.name}
        </Anchor>
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
        <Group hiddenFrom={PODS_FULL_FROM}>
          <PodScheduleNote pod={pod} />
        </Group>
      </Table.Td>
      <Table.Td miw={120} visibleFrom={PODS_FULL_FROM}>
        <PodStatusBadge status={pod.status} testId="pod-status" />
        <PodScheduleNote pod={pod} />
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
