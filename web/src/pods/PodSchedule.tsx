import { Menu, Text } from '@mantine/core';
import { useInterval } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconClockPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, call } from '../api/client';
import { formatTimeLeft } from '../format/time-left';
import { type Pod, podsKey } from './pods-api';

const LIVE = new Set(['provisioning', 'starting', 'running']);
const HOUR = 3600_000;

/** The current time, moving on every half minute (for "stops in …"). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  const interval = useInterval(() => setNow(Date.now()), 30_000);
  useEffect(() => {
    interval.start();
    return interval.stop;
  }, [interval]);
  return now;
}

/** When the Pod stops or terminates on its own, in words ("stops in 1 h 20 min"); nothing when it does not. */
export function PodScheduleNote({ pod }: { pod: Pod }) {
  const now = useNow();
  const notes: string[] = [];
  if (pod.stopAt && LIVE.has(pod.status)) notes.push(`stops in ${formatTimeLeft(pod.stopAt, now)}`);
  if (pod.terminateAt && pod.status !== 'terminated') {
    notes.push(`terminates in ${formatTimeLeft(pod.terminateAt, now)}`);
  }
  if (pod.idleTimeoutMinutes && pod.status === 'running' && !pod.stopAt) {
    notes.push(`stops after ${pod.idleTimeoutMinutes} min idle`);
  }
  if (notes.length === 0) return null;
  return (
    <Text size="xs" c="orange.8" mt={4} data-testid="pod-schedule" style={{ whiteSpace: 'nowrap' }}>
      {notes.join(' · ')}
    </Text>
  );
}

/** "Extend by 1 hour": moves the Pod's stop an hour further (from now, if it is overdue). */
export function ExtendStopItem({ accountId, pod }: { accountId: string; pod: Pod }) {
  const queryClient = useQueryClient();
  const extend = useMutation({
    mutationFn: () => {
      const from = Math.max(Date.parse(pod.stopAt ?? ''), Date.now());
      return call(
        api.PATCH('/api/v1/accounts/{accountId}/pods/{podId}', {
          params: { path: { accountId, podId: pod.id } },
          body: { stopAfter: new Date(from + HOUR).toISOString() },
        }),
      );
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: podsKey(accountId) }),
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
  return (
    <Menu.Item
      leftSection={<IconClockPlus size={14} />}
      disabled={extend.isPending}
      onClick={() => extend.mutate()}
    >
      Extend by 1 hour
    </Menu.Item>
  );
}
