import { Badge, Loader } from '@mantine/core';
import type { PodStatus } from './pods-api';

const STATUS_COLOR: Record<PodStatus, string> = {
  provisioning: 'blue',
  starting: 'blue',
  running: 'green',
  exited: 'gray',
  error: 'red',
  terminated: 'dark',
};

/** A Pod's status, with a spinner while it is on its way. */
export function PodStatusBadge({ status, testId }: { status: PodStatus; testId?: string }) {
  const busy = status === 'provisioning' || status === 'starting';
  return (
    <Badge
      color={STATUS_COLOR[status]}
      variant="light"
      miw="fit-content"
      style={{ flexShrink: 0, overflow: 'visible' }}
      data-testid={testId}
      leftSection={busy ? <Loader size={10} color={STATUS_COLOR[status]} /> : undefined}
    >
      {status}
    </Badge>
  );
}
