import '@mantine/dates/styles.css';
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconCopy, IconKey, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useOutletContext } from 'react-router-dom';
import { type Account, api, call } from '../api/client';
import { useMe, usePolicy } from '../api/hooks';
import type { components } from '../api/schema';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { errorFor, FormError } from '../components/errors';
import { TableFrame } from '../components/TableFrame';
import { formatDate, formatDateTime } from '../format/dates';

type ApiKey = components['schemas']['ApiKey'];
type CreatedApiKey = components['schemas']['CreatedApiKey'];

const keysKey = (accountId: string) => ['api-keys', accountId];

function useApiKeys(accountId: string) {
  return useQuery({
    queryKey: keysKey(accountId),
    queryFn: () =>
      call(api.GET('/api/v1/accounts/{accountId}/api-keys', { params: { path: { accountId } } })),
  });
}

/** A date (with the time when `withTime`), the full time on hover. */
function When({ at, none, withTime }: { at: string | null; none: string; withTime?: boolean }) {
  if (!at) {
    return (
      <Text size="sm" c="dimmed">
        {none}
      </Text>
    );
  }
  return (
    <Text size="sm" title={formatDateTime(at, { seconds: true })} style={{ whiteSpace: 'nowrap' }}>
      {withTime ? formatDateTime(at) : formatDate(at)}
    </Text>
  );
}

/** `YYYY-MM-DD` plus `days`, in local time. */
function dayAhead(days: number): string {
  const date = new Date();
  date.setDate(date.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The end of a `YYYY-MM-DD` day in the browser's time zone, as ISO-8601 UTC. */
function endOfDay(day: string): string {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59, 999).toISOString();
}

function CreateKeyDialog({
  accountId,
  opened,
  onClose,
  onCreated,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
  onCreated: (key: CreatedApiKey) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [expiresOn, setExpiresOn] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/accounts/{accountId}/api-keys', {
          params: { path: { accountId } },
          body: { name, readOnly, expiresAt: expiresOn ? endOfDay(expiresOn) : null },
        }),
      ),
    onSuccess: async (key) => {
      await queryClient.invalidateQueries({ queryKey: keysKey(accountId) });
      setName('');
      setReadOnly(false);
      setExpiresOn(null);
      create.reset();
      onCreated(key);
    },
  });
  const close = () => {
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title="Create an API key">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            description="What the key is for, e.g. the machine or script that uses it"
            placeholder="training-cluster"
            required
            maxLength={100}
            data-autofocus
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              if (create.isError) create.reset();
            }}
            error={errorFor(create.error, 'name')}
          />
          <Switch
            label="Read-only"
            description="The key may look but not change anything"
            checked={readOnly}
            onChange={(e) => setReadOnly(e.currentTarget.checked)}
            error={errorFor(create.error, 'readOnly')}
          />
          <DatePickerInput
            label="Expires"
            description="Optional; the key stops working at the end of this day"
            placeholder="Never"
            clearable
            previousLabel="Previous month"
            nextLabel="Next month"
            minDate={dayAhead(1)}
            maxDate={dayAhead(365)}
            value={expiresOn}
            onChange={(day) => {
              setExpiresOn(day);
              if (create.isError) create.reset();
            }}
            error={errorFor(create.error, 'expiresAt')}
          />
          <FormError error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The new key's secret, shown this once. */
function SecretDialog({
  created,
  opened,
  onClose,
  onClosed,
}: {
  created: CreatedApiKey | null;
  opened: boolean;
  onClose: () => void;
  /** After the closing animation: the secret is forgotten then. */
  onClosed: () => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={onClosed}
      title={`API key “${created?.name ?? ''}” created`}
      size="lg"
      closeOnClickOutside={false}
    >
      <Stack>
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="Copy the key now"
        >
          This is the only time the key is shown. Gantry keeps only a hash of it: if you lose it,
          revoke it and create a new one. Treat it like a password.
        </Alert>
        <Group gap="xs" wrap="nowrap" align="center">
          <Code
            block
            data-testid="api-key-secret"
            style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap', fontSize: 14 }}
          >
            {created?.secret}
          </Code>
          <CopyButton value={created?.secret ?? ''} timeout={2000}>
            {({ copied, copy }) => (
              <Button
                color={copied ? 'teal' : 'indigo'}
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                onClick={copy}
                miw={110}
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm" c="dimmed">
          {created?.readOnly ? 'Read-only. ' : ''}
          {created?.expiresAt
            ? `Expires ${formatDateTime(created.expiresAt)}.`
            : 'Does not expire.'}
        </Text>
        <Group justify="flex-end">
          <Button onClick={onClose}>I have copied the key</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function StatusBadge({ apiKey }: { apiKey: ApiKey }) {
  const [label, color] = apiKey.expired
    ? ['Expired', 'gray']
    : apiKey.disabled
      ? ['Disabled', 'orange']
      : ['Active', 'green'];
  return (
    <Badge
      color={color}
      variant="light"
      miw="fit-content"
      style={{ flexShrink: 0, overflow: 'visible' }}
      styles={{ label: { overflow: 'visible' } }}
    >
      {label}
    </Badge>
  );
}

function KeyRow({
  accountId,
  apiKey,
  showCreator,
  myUserId,
  onRevoke,
}: {
  accountId: string;
  apiKey: ApiKey;
  showCreator: boolean;
  myUserId: string | undefined;
  onRevoke: () => void;
}) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (action: 'disable' | 'enable') =>
      call(
        api.POST(`/api/v1/accounts/{accountId}/api-keys/{keyId}/${action}`, {
          params: { path: { accountId, keyId: apiKey.id } },
        }),
      ),
    onSuccess: (updated) => {
      notifications.show({
        message: `${updated.name} ${updated.disabled ? 'disabled' : 'enabled'}`,
        color: updated.disabled ? 'orange' : 'green',
      });
      return queryClient.invalidateQueries({ queryKey: keysKey(accountId) });
    },
    onError: (error) => notifications.show({ color: 'red', message: error.message }),
  });
  return (
    <Table.Tr data-testid="api-key-row" data-key-name={apiKey.name}>
      <Table.Td>
        <Text
          fw={600}
          size="sm"
          lineClamp={1}
          maw={240}
          title={apiKey.name}
          style={{ wordBreak: 'break-all' }}
        >
          {apiKey.name}
        </Text>
        {/* Wraps rather than squeezing the prefix in a narrow (phone) column. */}
        <Group gap={6}>
          <Code>{apiKey.prefix}…</Code>
          {apiKey.readOnly && (
            <Badge size="xs" variant="outline" color="gray" miw="fit-content">
              Read-only
            </Badge>
          )}
        </Group>
        {/* On a phone, where the other columns are hidden: the status and when last used. */}
        <Group gap={6} mt={4} hiddenFrom="md">
          <StatusBadge apiKey={apiKey} />
          <Text size="xs" c="dimmed">
            {apiKey.lastUsedAt ? `Last used ${formatDate(apiKey.lastUsedAt)}` : 'Never used'}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td visibleFrom="md">
        <When at={apiKey.createdAt} none="—" />
        {showCreator && (
          <Text
            size="xs"
            c="dimmed"
            lineClamp={1}
            maw={180}
            title={apiKey.createdBy === myUserId ? undefined : apiKey.createdByEmail}
          >
            by {apiKey.createdBy === myUserId ? 'You' : apiKey.createdByName}
          </Text>
        )}
      </Table.Td>
      <Table.Td visibleFrom="md">
        <When at={apiKey.lastUsedAt} none="Never" withTime />
      </Table.Td>
      <Table.Td visibleFrom="md">
        <When at={apiKey.expiresAt} none="Never" />
      </Table.Td>
      <Table.Td miw={100} visibleFrom="md">
        <StatusBadge apiKey={apiKey} />
      </Table.Td>
      <Table.Td>
        <Group gap={6} justify="flex-end" wrap="nowrap">
          {apiKey.disabled ? (
            <Button
              size="xs"
              variant="light"
              loading={toggle.isPending}
              onClick={() => toggle.mutate('enable')}
            >
              Enable
            </Button>
          ) : (
            <Button
              size="xs"
              variant="light"
              color="orange"
              loading={toggle.isPending}
              onClick={() => toggle.mutate('disable')}
            >
              Disable
            </Button>
          )}
          <Button size="xs" variant="light" color="red" onClick={onRevoke}>
            Revoke
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function RevokeDialog({
  accountId,
  apiKey,
  onClose,
}: {
  accountId: string;
  apiKey: ApiKey | null;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened={apiKey !== null}
      title="Revoke API key"
      confirmLabel="Revoke key"
      onClose={onClose}
      onConfirm={async () => {
        if (!apiKey) return;
        await call(
          api.DELETE('/api/v1/accounts/{accountId}/api-keys/{keyId}', {
            params: { path: { accountId, keyId: apiKey.id } },
          }),
        );
        await queryClient.invalidateQueries({ queryKey: keysKey(accountId) });
        notifications.show({ message: `${apiKey.name} revoked` });
      }}
    >
      <Text>
        Revoke <b>{apiKey?.name}</b> (<Code>{apiKey?.prefix}…</Code>)? Every script or machine using
        it stops working on its next request. This cannot be undone.
      </Text>
    </ConfirmDialog>
  );
}

/** Long commands wrap (on a phone) instead of scrolling sideways; the copy button copies one line. */
const WRAP_ANYWHERE = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

/** How to use a key with the `gantry` command line. */
function CliHelpCard() {
  const origin = window.location.origin;
  const login = `gantry login --url ${origin} --key gnt_…`;
  return (
    <Card withBorder>
      <Title order={4} mb={4}>
        Using a key with the command line
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Sign the <Code>gantry</Code> command line in once; it keeps the key in its config file:
      </Text>
      <Group gap="xs" wrap="nowrap" mb="sm">
        <Code block style={{ flex: 1, ...WRAP_ANYWHERE }}>
          {login}
        </Code>
        <CopyButton value={login} timeout={2000}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
              <ActionIcon
                variant="subtle"
                color={copied ? 'teal' : 'gray'}
                onClick={copy}
                aria-label="Copy command"
              >
                {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        Or, for scripts and CI, set the environment instead:
      </Text>
      <Code block style={WRAP_ANYWHERE}>
        {`export GANTRY_URL=${origin}\nexport GANTRY_API_KEY=gnt_…\ngantry pods list`}
      </Code>
      <Text size="sm" c="dimmed" mt="sm">
        Scripts may also call the API directly with the header{' '}
        <Code>Authorization: Bearer gnt_…</Code>.
      </Text>
    </Card>
  );
}

/** API keys of the signed-in user in this account (every key, with apikeys.manage). */
export function ApiKeysPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const me = useMe();
  const keys = useApiKeys(account.id);
  const [createOpen, createDialog] = useDisclosure(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [secretOpen, secretDialog] = useDisclosure(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const everyKey = policy.can('apikeys.manage');
  // A personal account has one member: a creator column would only say "You".
  const showCreator = everyKey && account.kind === 'team';
  const columns = 6;
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Anchor component={Link} to={`/accounts/${account.id}/settings`} size="sm">
            Settings
          </Anchor>
          <Title order={2}>API keys</Title>
        </div>
        <Button leftSection={<IconPlus size={16} />} onClick={createDialog.open}>
          Create key
        </Button>
      </Group>
      <Text c="dimmed" size="sm">
        {showCreator
          ? `Every API key of ${account.name}. A key acts as the member who created it, with at most their current role.`
          : `Your API keys for ${account.name}. A key acts as you, with at most your current role.`}
      </Text>
      {keys.isError && (
        <Alert color="red" variant="light">
          {keys.error.message}
        </Alert>
      )}
      <Card withBorder p={0} data-testid="api-keys-card">
        {/* Fits the page from about 1000 px; tablets scroll the table sideways, phones see
            the name, status and actions only. */}
        <TableFrame minWidth={740}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="api-keys">
            <Table.Thead style={{ whiteSpace: 'nowrap' }}>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th visibleFrom="md">Created</Table.Th>
                <Table.Th visibleFrom="md">Last used</Table.Th>
                <Table.Th visibleFrom="md">Expires</Table.Th>
                <Table.Th visibleFrom="md">Status</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data?.items.map((apiKey) => (
                <KeyRow
                  key={apiKey.id}
                  accountId={account.id}
                  apiKey={apiKey}
                  showCreator={showCreator}
                  myUserId={me.data?.user.id}
                  onRevoke={() => setRevoking(apiKey)}
                />
              ))}
              {keys.data?.items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={columns}>
                    <Stack align="center" gap={4} py="lg">
                      <IconKey size={28} color="var(--mantine-color-dimmed)" />
                      <Text c="dimmed">No API keys yet.</Text>
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </TableFrame>
        {keys.isPending && (
          <Group justify="center" p="lg">
            <Loader />
          </Group>
        )}
      </Card>
      <CliHelpCard />
      <CreateKeyDialog
        accountId={account.id}
        opened={createOpen}
        onClose={createDialog.close}
        onCreated={(key) => {
          createDialog.close();
          setCreated(key);
          secretDialog.open();
        }}
      />
      <SecretDialog
        created={created}
        opened={secretOpen}
        onClose={secretDialog.close}
        onClosed={() => setCreated(null)}
      />
      <RevokeDialog accountId={account.id} apiKey={revoking} onClose={() => setRevoking(null)} />
    </Stack>
  );
}
