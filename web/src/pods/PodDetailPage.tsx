import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  ScrollArea,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconExternalLink, IconPrompt } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useOutletContext, useParams } from 'react-router-dom';
import { type Account, api, call } from '../api/client';
import { usePolicy } from '../api/hooks';
import { formatDateTime } from '../format/dates';
import { formatMoney, formatRate } from '../format/money';
import { formatTimeLeft } from '../format/time-left';
import { openConnectTab } from './connect-tab';
import { type Pod, podsKey, useCatalog, useCatalogNames } from './pods-api';
import { TerminalModal } from './TerminalModal';

const HOUR = 3600_000;

function usePod(accountId: string, podId: string) {
  return useQuery({
    queryKey: [...podsKey(accountId), 'detail', podId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/pods/{podId}', {
          params: { path: { accountId, podId } },
        }),
      ),
    refetchInterval: 5000,
  });
}

/** The cost of the current run so far (price per hour × time since it started). */
function runCost(pod: Pod, now: number): string | null {
  if (pod.status !== 'running' || !pod.startedAt) return null;
  const hours = Math.max(0, now - Date.parse(pod.startedAt)) / HOUR;
  return (Number(pod.pricePerHour) * hours).toFixed(6);
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}

/** The Pod's status changes and other events, from the audit log (for those who may see it). */
function PodHistory({ accountId, podId }: { accountId: string; podId: string }) {
  const history = useQuery({
    queryKey: ['pod-history', accountId, podId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs', {
          params: {
            path: { accountId },
            query: { resourceType: 'pod', resourceId: podId, limit: 50 },
          },
        }),
      ),
    refetchInterval: 10_000,
  });
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        History
      </Title>
      <Table data-testid="pod-history">
        <Table.Tbody>
          {history.data?.items.map((event) => (
            <Table.Tr key={event.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {formatDateTime(event.time, { seconds: true })}
              </Table.Td>
              <Table.Td>
                <Code>{event.action}</Code>
              </Table.Td>
              <Table.Td>
                {event.actor.type === 'system' ? 'system' : (event.actor.email ?? event.actor.id)}
              </Table.Td>
              <Table.Td>{event.outcome === 'success' ? '' : event.outcome}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

/** The tail of the Pod's output, following it live when asked. */
function PodLogs({ accountId, pod }: { accountId: string; pod: Pod }) {
  const [follow, setFollow] = useState(true);
  const logs = useQuery({
    queryKey: ['pod-logs', accountId, pod.id],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/pods/{podId}/logs', {
          params: { path: { accountId, podId: pod.id }, query: { tailBytes: 65536 } },
        }),
      ),
    refetchInterval: follow && pod.status !== 'terminated' ? 2000 : false,
  });
  const viewport = useRef<HTMLDivElement>(null);
  const text = logs.data?.text;
  useEffect(() => {
    if (follow && text !== undefined) {
      viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
    }
  }, [follow, text]);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Logs</Title>
        <Switch
          label="Follow"
          checked={follow}
          onChange={(e) => setFollow(e.currentTarget.checked)}
        />
      </Group>
      <ScrollArea h={320} viewportRef={viewport}>
        <Code block data-testid="pod-detail-logs">
          {text || (logs.isPending ? 'Loading…' : '(no output yet)')}
        </Code>
      </ScrollArea>
    </Card>
  );
}

/** One Pod: status, GPUs, cost, when it stops on its own, history, logs, Connect and Terminal. */
export function PodDetailPage() {
  const account = useOutletContext<Account>();
  const { podId = '' } = useParams();
  const policy = usePolicy(account);
  const pod = usePod(account.id, podId);
  const catalog = useCatalog();
  const { gpuName, templateName, currency } = useCatalogNames();
  const [terminalOpen, setTerminalOpen] = useState(false);
  const queryClient = useQueryClient();
  const extend = useMutation({
    mutationFn: (stopAt: string) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/pods/{podId}', {
          params: { path: { accountId: account.id, podId } },
          body: {
            stopAfter: new Date(Math.max(Date.parse(stopAt), Date.now()) + HOUR).toISOString(),
          },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: podsKey(account.id) }),
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
  if (pod.isPending) return <Loader />;
  if (pod.isError) {
    return (
      <Alert color="red" variant="light" title="Pod">
        {pod.error.message}
      </Alert>
    );
  }
  const p = pod.data;
  const now = Date.now();
  const cost = runCost(p, now);
  const canConnect = p.actions.includes('connect');
  return (
    <Stack>
      <Anchor component={Link} to={`/accounts/${account.id}/pods`} size="sm">
        ← Pods
      </Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={2} data-testid="pod-detail-name">
            {p.name}
          </Title>
          <Badge data-testid="pod-detail-status" variant="light">
            {p.status}
          </Badge>
        </Group>
        <Group>
          {canConnect && (
            <Button
              leftSection={<IconExternalLink size={16} />}
              onClick={() =>
                void openConnectTab(account.id, p.id).then(
                  (problem) => problem && notifications.show({ color: 'red', message: problem }),
                )
              }
            >
              Connect
            </Button>
          )}
          {canConnect && catalog.data?.terminal && (
            <Button
              variant="default"
              leftSection={<IconPrompt size={16} />}
              onClick={() => setTerminalOpen(true)}
            >
              Terminal
            </Button>
          )}
        </Group>
      </Group>
      {p.lastError && (
        <Alert color="red" variant="light">
          {p.lastError}
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 2, md: 4 }}>
          <Fact label="GPUs">
            {p.gpuCount} × {gpuName(p.gpuType)}
          </Fact>
          <Fact label="Template">{templateName(p.templateId)}</Fact>
          <Fact label="Price">{formatRate(p.pricePerHour, currency)}/h</Fact>
          <Fact label="This run so far">{cost === null ? '—' : formatMoney(cost, currency)}</Fact>
          <Fact label="Created">
            {formatDateTime(p.createdAt)} by {p.createdByName ?? p.createdBy}
          </Fact>
          <Fact label="Started">{p.startedAt ? formatDateTime(p.startedAt) : '—'}</Fact>
          <Fact label="Stopped">{p.stoppedAt ? formatDateTime(p.stoppedAt) : '—'}</Fact>
          <Fact label="Last Connect traffic">
            {p.lastTrafficAt ? formatDateTime(p.lastTrafficAt) : '—'}
          </Fact>
        </SimpleGrid>
      </Card>
      <Card withBorder>
        <Title order={4} mb="sm">
          Stops on its own
        </Title>
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <Fact label="Stops">
            <span data-testid="pod-detail-stop">
              {p.stopAt
                ? `in ${formatTimeLeft(p.stopAt, now)} (${formatDateTime(p.stopAt)})`
                : 'not scheduled'}
            </span>
          </Fact>
          <Fact label="Terminates">
            {p.terminateAt
              ? `in ${formatTimeLeft(p.terminateAt, now)} (${formatDateTime(p.terminateAt)})`
              : 'not scheduled'}
          </Fact>
          <Fact label="When idle">
            {p.idleTimeoutMinutes ? `after ${p.idleTimeoutMinutes} min` : 'never'}
          </Fact>
        </SimpleGrid>
        {p.stopAt && p.actions.includes('stop') && (
          <Group mt="sm">
            <Button
              size="xs"
              variant="light"
              loading={extend.isPending}
              onClick={() => extend.mutate(p.stopAt ?? '')}
            >
              Extend by 1 hour
            </Button>
          </Group>
        )}
      </Card>
      {policy.can('audit.view') && <PodHistory accountId={account.id} podId={p.id} />}
      {p.status !== 'terminated' && <PodLogs accountId={account.id} pod={p} />}
      <TerminalModal
        accountId={account.id}
        pod={terminalOpen ? p : null}
        onClose={() => setTerminalOpen(false)}
      />
    </Stack>
  );
}
