import { Button, Code, Group, Modal, ScrollArea, Stack } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { type Pod, usePodLogs } from './pods-api';

/** The end of a Pod's output, refreshed on demand. */
export function LogsModal({
  accountId,
  pod,
  onClose,
}: {
  accountId: string;
  pod: Pod | null;
  onClose: () => void;
}) {
  const logs = usePodLogs(accountId, pod);
  return (
    <Modal opened={pod !== null} onClose={onClose} title={`Logs · ${pod?.name ?? ''}`} size="xl">
      <Stack>
        <Group justify="flex-end">
          <Button
            size="xs"
            variant="light"
            leftSection={<IconRefresh size={14} />}
            loading={logs.isFetching}
            onClick={() => logs.refetch()}
          >
            Refresh
          </Button>
        </Group>
        <ScrollArea h={400}>
          <Code block data-testid="pod-logs">
            {logs.data?.text || (logs.isPending ? 'Loading…' : '(no output yet)')}
          </Code>
        </ScrollArea>
      </Stack>
    </Modal>
  );
}
