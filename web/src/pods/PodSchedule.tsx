import { Menu, Text } from '@mantine/core';
import { useInterval } from '@mantine/hooks';
import { IconClockPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { formatTimeLeft } from '../format/time-left';
import { type Pod, useExtendPodStop } from './pods-api';

const LIVE = new Set(['provisioning', 'starting', 'running']);

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

/** "Extend by 1 hour" in a menu (the Pod detail page's). */
export function ExtendStopItem({ accountId, pod }: { accountId: string; pod: Pod }) {
  const extend = useExtendPodStop(accountId, pod);
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
