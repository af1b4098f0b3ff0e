import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useOutletContext, useSearchParams } from 'react-router-dom';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { NotAllowed } from '../components/NotAllowed';
import { TableFrame } from '../components/TableFrame';
import { DeployDialog } from './DeployDialog';
import { LogsModal } from './LogsModal';
import { PODS_FULL_FROM, PodRow } from './PodRow';
import { type Pod, usePods, useTerminatePod } from './pods-api';
import { TerminalModal } from './TerminalModal';

function PodsTable({
  account,
  pods,
  onLogs,
  onTerminal,
  onTerminate,
}: {
  account: Account;
  pods: Pod[] | undefined;
  onLogs: (pod: Pod) => void;
  onTerminal: (pod: Pod) => void;
  onTerminate: (pod: Pod) => void;
}) {
  const canCreate = usePolicy(account).can('pods.create');
  return (
    <TableFrame minWidth={820} from={PODS_FULL_FROM}>
      <Table verticalSpacing="sm" horizontalSpacing="md">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th visibleFrom={PODS_FULL_FROM}>Status</Table.Th>
            <Table.Th visibleFrom={PODS_FULL_FROM}>GPUs</Table.Th>
            <Table.Th visibleFrom={PODS_FULL_FROM}>Template</Table.Th>
            <Table.Th visibleFrom={PODS_FULL_FROM}>Price</Table.Th>
            <Table.Th visibleFrom={PODS_FULL_FROM}>Created by</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {pods?.map((pod) => (
            <PodRow
              key={pod.id}
              accountId={account.id}
              pod={pod}
              onLogs={() => onLogs(pod)}
              onTerminal={() => onTerminal(pod)}
              onTerminate={() => onTerminate(pod)}
            />
          ))}
          {pods?.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={7}>
                <Text c="dimmed" ta="center" py="lg">
                  No Pods yet.
                  {canCreate && ' Deploy one to get started.'}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </TableFrame>
  );
}

/** The account's Pods: live status, deploy, start/stop/restart/terminate, Connect and logs. */
export function PodsPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const [showTerminated, setShowTerminated] = useState(false);
  const pods = usePods(account.id, showTerminated, policy.can('pods.view'));
  const terminate = useTerminatePod(account.id);
  const [deployOpen, deploy] = useDisclosure(false);
  // `?deploy=1` (the dashboard's "Deploy a Pod →") opens the dialog.
  const [searchParams, setSearchParams] = useSearchParams();
  const openDeploy = deploy.open;
  useEffect(() => {
    if (searchParams.get('deploy') !== '1') return;
    openDeploy();
    setSearchParams(
      (params) => {
        params.delete('deploy');
        return params;
      },
      { replace: true },
    );
  }, [searchParams, setSearchParams, openDeploy]);
  const [logsOf, setLogsOf] = useState<Pod | null>(null);
  const [terminalOf, setTerminalOf] = useState<Pod | null>(null);
  const [terminating, setTerminating] = useState<Pod | null>(null);
  if (!policy.can('pods.view')) {
    return <NotAllowed title="Pods">Your role in this account does not include Pods.</NotAllowed>;
  }
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Pods
        </Title>
        <Group>
          <Switch
            label="Show terminated"
            checked={showTerminated}
            onChange={(e) => setShowTerminated(e.currentTarget.checked)}
          />
          {policy.can('pods.create') && (
            <Button leftSection={<IconPlus size={16} />} onClick={deploy.open}>
              Deploy
            </Button>
          )}
        </Group>
      </Group>
      {pods.isError && (
        <Alert color="red" variant="light">
          {pods.error.message}
        </Alert>
      )}
      <Card withBorder p={0} data-testid="pods-card">
        <PodsTable
          account={account}
          pods={pods.data?.items}
          onLogs={setLogsOf}
          onTerminal={setTerminalOf}
          onTerminate={setTerminating}
        />
        {pods.isPending && (
          <Group justify="center" p="lg">
            <Loader />
          </Group>
        )}
      </Card>
      <DeployDialog accountId={account.id} opened={deployOpen} onClose={deploy.close} />
      <LogsModal accountId={account.id} pod={logsOf} onClose={() => setLogsOf(null)} />
      <TerminalModal accountId={account.id} pod={terminalOf} onClose={() => setTerminalOf(null)} />
      <ConfirmDialog
        opened={terminating !== null}
        title="Terminate Pod"
        confirmLabel="Terminate"
        onClose={() => setTerminating(null)}
        onConfirm={() => (terminating ? terminate.mutateAsync(terminating) : Promise.resolve())}
      >
        <Text>
          Terminate <b>{terminating?.name}</b>? Its process stops and its files are deleted. This
          cannot be undone.
        </Text>
      </ConfirmDialog>
    </Stack>
  );
}
