import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Menu,
  Modal,
  NumberInput,
  ScrollArea,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconDots,
  IconExternalLink,
  IconPlayerPlay,
  IconPlayerStop,
  IconPlus,
  IconPrompt,
  IconRefresh,
  IconTerminal2,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { Link, useOutletContext, useSearchParams } from 'react-router-dom';
import { type Account, api, call } from '../api/client';
import { usePolicy } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { errorFor, FormError } from '../components/errors';
import { type FullLayoutFrom, TableFrame } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { formatRate, multiplyMoney } from '../format/money';
import { openConnectTab } from './connect-tab';
import { availabilityLabel, firstAvailableGpu, suggestPodName } from './deploy-defaults';
import { ExtendStopItem, PodScheduleNote } from './PodSchedule';
import {
  type Pod,
  type PodAction,
  type PodStatus,
  podsKey,
  useCatalog,
  useCatalogNames,
  usePods,
} from './pods-api';
import { TerminalModal } from './TerminalModal';

/** All the columns from `lg` up: they need ~820 px, more than a 1024 px laptop's page has. */
const FULL_FROM: FullLayoutFrom = 'lg';

const STATUS_COLOR: Record<PodStatus, string> = {
  provisioning: 'blue',
  starting: 'blue',
  running: 'green',
  exited: 'gray',
  error: 'red',
  terminated: 'dark',
};

function StatusBadge({ status, testId }: { status: PodStatus; testId?: string }) {
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

/** Parses `KEY=value` lines into an env object. */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq < 0) env[line.trim()] = '';
    else env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

/** How many GPUs one Pod may have (the API takes 1–8). */
const MAX_GPUS = 8;

interface DeployForm {
  name: string;
  gpuType: string | null;
  gpuCount: number | string;
  templateId: string | null;
}

/** What is missing or wrong in the Deploy form, field by field, in plain words. */
function deployProblems(form: DeployForm): Partial<Record<keyof DeployForm, string>> {
  const problems: Partial<Record<keyof DeployForm, string>> = {};
  if (!form.name.trim()) problems.name = 'Enter a name for the Pod';
  if (!form.gpuType) problems.gpuType = 'Pick a GPU type';
  const count = Number(form.gpuCount);
  if (form.gpuCount === '') problems.gpuCount = 'Enter how many GPUs the Pod gets';
  else if (!Number.isInteger(count) || count < 1 || count > MAX_GPUS) {
    problems.gpuCount = `Enter a whole number from 1 to ${MAX_GPUS}`;
  }
  if (!form.templateId) problems.templateId = 'Pick a template';
  return problems;
}

function DeployDialog({
  accountId,
  opened,
  onClose,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const catalog = useCatalog();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [gpuType, setGpuType] = useState<string | null>(null);
  const [gpuCount, setGpuCount] = useState<number | string>(1);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [envText, setEnvText] = useState('');
  // Field messages show once Deploy was pressed, and go as each field is filled in.
  const [submitted, setSubmitted] = useState(false);
  // Opened: fresh availability, and a name, the first GPU type with room and the first
  // template filled in, so that deploying is one click.
  const data = catalog.data;
  const refetchCatalog = catalog.refetch;
  useEffect(() => {
    if (opened) void refetchCatalog();
  }, [opened, refetchCatalog]);
  useEffect(() => {
    if (!opened || !data) return;
    const firstTemplate = data.templates[0]?.id;
    setTemplateId((current) => current ?? firstTemplate ?? null);
    setGpuType((current) => current ?? firstAvailableGpu(data.gpuTypes)?.id ?? null);
    setName((current) => current || suggestPodName(firstTemplate));
  }, [opened, data]);
  const problems = deployProblems({ name, gpuType, gpuCount, templateId });
  const problem = (field: keyof DeployForm) => (submitted ? problems[field] : undefined);
  const gpu = catalog.data?.gpuTypes.find((g) => g.id === gpuType);
  const template = catalog.data?.templates.find((t) => t.id === templateId);
  const deploy = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/accounts/{accountId}/pods', {
          params: { path: { accountId } },
          body: {
            name,
            gpuType: gpuType ?? '',
            gpuCount: Number(gpuCount),
            templateId: templateId ?? '',
            ...(envText.trim() ? { env: parseEnv(envText) } : {}),
          },
        }),
      ),
    onSuccess: async (pod) => {
      await queryClient.invalidateQueries({ queryKey: podsKey(accountId) });
      notifications.show({ message: `Deploying ${pod.name}…` });
      setName('');
      setEnvText('');
      close();
    },
  });
  const close = () => {
    setSubmitted(false);
    deploy.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(problems).length > 0) return;
    deploy.mutate();
  };
  const hourly =
    gpu && !problems.gpuCount
      ? formatRate(multiplyMoney(gpu.pricePerHour, Number(gpuCount)), catalog.data?.currency)
      : null;
  return (
    <Modal opened={opened} onClose={close} title="Deploy a Pod" size="lg">
      {/* noValidate: the fields' own messages, not the browser's bubble on the first one. */}
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            placeholder="my-training-run"
            required
            maxLength={64}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={problem('name') ?? errorFor(deploy.error, 'name')}
          />
          <Select
            label="GPU type"
            placeholder="Pick a GPU"
            required
            allowDeselect={false}
            data={(catalog.data?.gpuTypes ?? []).map((g) => {
              const free = availabilityLabel(g.available);
              return {
                value: g.id,
                label: `${g.name} · ${g.memoryGb} GB · ${formatRate(g.pricePerHour, catalog.data?.currency)}/h${free ? ` · ${free}` : ''}`,
                disabled: g.available === 0,
              };
            })}
            value={gpuType}
            onChange={setGpuType}
            description={
              gpu ? (
                <span data-testid="deploy-availability">
                  {[
                    availabilityLabel(gpu.available),
                    `${gpu.vcpusPerGpu} vCPU and ${gpu.memoryGbPerGpu} GB RAM per GPU`,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              ) : undefined
            }
            error={problem('gpuType') ?? errorFor(deploy.error, 'gpuType')}
          />
          <NumberInput
            label="GPU count"
            min={1}
            max={MAX_GPUS}
            clampBehavior="none"
            allowDecimal={false}
            allowNegative={false}
            required
            value={gpuCount}
            onChange={setGpuCount}
            error={
              (gpuCount !== '' || submitted ? problems.gpuCount : undefined) ??
              errorFor(deploy.error, 'gpuCount')
            }
          />
          <Select
            label="Template"
            placeholder="Pick a template"
            required
            allowDeselect={false}
            data={(catalog.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))}
            value={templateId}
            onChange={setTemplateId}
            error={problem('templateId') ?? errorFor(deploy.error, 'templateId')}
            description={template?.description}
          />
          <Textarea
            label="Environment variables"
            description="Optional, one KEY=value per line"
            autosize
            minRows={2}
            value={envText}
            onChange={(e) => setEnvText(e.currentTarget.value)}
            error={errorFor(deploy.error, 'env')}
          />
          <FormError error={deploy.error} />
          <Group justify="space-between">
            <Text size="sm" c="dimmed" data-testid="deploy-price">
              {hourly ? `${hourly} per hour` : 'Pick a GPU to see the price'}
            </Text>
            <Button type="submit" loading={deploy.isPending}>
              Deploy
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function LogsModal({
  accountId,
  pod,
  onClose,
}: {
  accountId: string;
  pod: Pod | null;
  onClose: () => void;
}) {
  const logs = useQuery({
    queryKey: ['pod-logs', accountId, pod?.id],
    enabled: pod !== null,
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/pods/{podId}/logs', {
          params: { path: { accountId, podId: pod?.id ?? '' }, query: { tailBytes: 65536 } },
        }),
      ),
  });
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

const MOVES = ['start', 'stop', 'restart'] as const;
type Move = (typeof MOVES)[number];

const MOVE_LABEL: Record<Move, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };

const MOVE_ICON: Record<Move, ReactNode> = {
  start: <IconPlayerPlay size={14} />,
  stop: <IconPlayerStop size={14} />,
  restart: <IconRefresh size={14} />,
};

function PodRow({
  accountId,
  pod,
  onLogs,
  onTerminal,
  onTerminate,
}: {
  accountId: string;
  pod: Pod;
  onLogs: () => void;
  onTerminal: () => void;
  onTerminate: () => void;
}) {
  const queryClient = useQueryClient();
  const { gpuName, templateName, currency } = useCatalogNames();
  const catalog = useCatalog();
  const move = useMutation({
    mutationFn: (action: Move) =>
      call(
        api.POST(`/api/v1/accounts/{accountId}/pods/{podId}/${action}`, {
          params: { path: { accountId, podId: pod.id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: podsKey(accountId) }),
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
  const connect = async () => {
    const problem = await openConnectTab(accountId, pod.id);
    if (problem) notifications.show({ color: 'red', message: problem });
  };
  const can = (action: PodAction) => pod.actions.includes(action);
  // One button in view (Connect, or Start for a stopped Pod); the rest in the row's menu.
  const primary: 'connect' | 'start' | null = can('connect')
    ? 'connect'
    : can('start')
      ? 'start'
      : null;
  const menuMoves = MOVES.filter((action) => can(action) && action !== primary);
  const showLogs = pod.status !== 'terminated';
  const canExtend = pod.stopAt !== null && can('stop');
  const showTerminal = catalog.data?.terminal === true && can('connect');
  const hasMenu = menuMoves.length > 0 || showLogs || showTerminal || canExtend || can('terminate');
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
        <Group gap={6} mt={4} hiddenFrom={FULL_FROM}>
          <StatusBadge status={pod.status} />
          <Text size="xs" c="dimmed">
            {gpus} · {formatRate(pod.pricePerHour, currency)}/h
          </Text>
        </Group>
        <Group hiddenFrom={FULL_FROM}>
          <PodScheduleNote pod={pod} />
        </Group>
      </Table.Td>
      <Table.Td miw={120} visibleFrom={FULL_FROM}>
        <StatusBadge status={pod.status} testId="pod-status" />
        <PodScheduleNote pod={pod} />
      </Table.Td>
      <Table.Td data-testid="pod-gpus" visibleFrom={FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={200} title={gpus}>
          {gpus}
        </Text>
      </Table.Td>
      <Table.Td data-testid="pod-template" visibleFrom={FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={140} title={templateName(pod.templateId)}>
          {templateName(pod.templateId)}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }} visibleFrom={FULL_FROM}>
        {formatRate(pod.pricePerHour, currency)}/h
      </Table.Td>
      <Table.Td visibleFrom={FULL_FROM}>
        <Text size="sm" lineClamp={1} maw={160}>
          {pod.createdByName ?? pod.createdBy}
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {formatDateTime(pod.createdAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={6} justify="flex-end" wrap="nowrap" data-testid="pod-actions">
          {primary === 'connect' && (
            <Button
              size="xs"
              leftSection={<IconExternalLink size={14} />}
              onClick={() => void connect()}
            >
              Connect
            </Button>
          )}
          {primary === 'start' && (
            <Button
              size="xs"
              variant="light"
              leftSection={MOVE_ICON.start}
              loading={move.isPending && move.variables === 'start'}
              onClick={() => move.mutate('start')}
            >
              Start
            </Button>
          )}
          {hasMenu && (
            <Menu position="bottom-end" shadow="md" withinPortal>
              <Menu.Target>
                <ActionIcon
                  variant="default"
                  size={30}
                  aria-label={`More actions for ${pod.name}`}
                  loading={move.isPending && move.variables !== 'start'}
                >
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {menuMoves.map((action) => (
                  <Menu.Item
                    key={action}
                    leftSection={MOVE_ICON[action]}
                    disabled={move.isPending}
                    onClick={() => move.mutate(action)}
                  >
                    {MOVE_LABEL[action]}
                  </Menu.Item>
                ))}
                {canExtend && <ExtendStopItem accountId={accountId} pod={pod} />}
                {showTerminal && (
                  <Menu.Item leftSection={<IconPrompt size={14} />} onClick={onTerminal}>
                    Terminal
                  </Menu.Item>
                )}
                {showLogs && (
                  <Menu.Item leftSection={<IconTerminal2 size={14} />} onClick={onLogs}>
                    Logs
                  </Menu.Item>
                )}
                {can('terminate') && (
                  <>
                    <Menu.Divider />
                    <Menu.Item
                      color="red"
                      leftSection={<IconTrash size={14} />}
                      onClick={onTerminate}
                    >
                      Terminate
                    </Menu.Item>
                  </>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function TerminateDialog({
  accountId,
  pod,
  onClose,
}: {
  accountId: string;
  pod: Pod | null;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened={pod !== null}
      title="Terminate Pod"
      confirmLabel="Terminate"
      onClose={onClose}
      onConfirm={async () => {
        if (!pod) return;
        await call(
          api.DELETE('/api/v1/accounts/{accountId}/pods/{podId}', {
            params: { path: { accountId, podId: pod.id } },
          }),
        );
        await queryClient.invalidateQueries({ queryKey: podsKey(accountId) });
      }}
    >
      <Text>
        Terminate <b>{pod?.name}</b>? Its process stops and its files are deleted. This cannot be
        undone.
      </Text>
    </ConfirmDialog>
  );
}

/** The account's Pods: live status, deploy, start/stop/restart/terminate, Connect and logs. */
export function PodsPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const [showTerminated, setShowTerminated] = useState(false);
  const pods = usePods(account.id, showTerminated, policy.can('pods.view'));
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
    return (
      <Alert color="gray" variant="light" title="Pods">
        Your role in this account does not include Pods.
      </Alert>
    );
  }
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Pods</Title>
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
        <TableFrame minWidth={820} from={FULL_FROM}>
          <Table verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th visibleFrom={FULL_FROM}>Status</Table.Th>
                <Table.Th visibleFrom={FULL_FROM}>GPUs</Table.Th>
                <Table.Th visibleFrom={FULL_FROM}>Template</Table.Th>
                <Table.Th visibleFrom={FULL_FROM}>Price</Table.Th>
                <Table.Th visibleFrom={FULL_FROM}>Created by</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pods.data?.items.map((pod) => (
                <PodRow
                  key={pod.id}
                  accountId={account.id}
                  pod={pod}
                  onLogs={() => setLogsOf(pod)}
                  onTerminal={() => setTerminalOf(pod)}
                  onTerminate={() => setTerminating(pod)}
                />
              ))}
              {pods.data?.items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={7}>
                    <Text c="dimmed" ta="center" py="lg">
                      No Pods yet.
                      {policy.can('pods.create') && ' Deploy one to get started.'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </TableFrame>
        {pods.isPending && (
          <Group justify="center" p="lg">
            <Loader />
          </Group>
        )}
      </Card>
      <DeployDialog accountId={account.id} opened={deployOpen} onClose={deploy.close} />
      <LogsModal accountId={account.id} pod={logsOf} onClose={() => setLogsOf(null)} />
      <TerminalModal accountId={account.id} pod={terminalOf} onClose={() => setTerminalOf(null)} />
      <TerminateDialog
        accountId={account.id}
        pod={terminating}
        onClose={() => setTerminating(null)}
      />
    </Stack>
  );
}
