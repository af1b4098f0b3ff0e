import { Badge, Code, Group, Table, Text } from '@mantine/core';
import { type RowAction, RowActions } from '../components/RowActions';
import { formatDate, formatDateTime } from '../format/dates';
import { type ApiKey, useToggleApiKey } from './apikeys-api';

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

/** One key: name and prefix, created (and by whom), last used, expiry, status, actions. */
export function KeyRow({
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
  const toggle = useToggleApiKey(accountId, apiKey.id);
  const actions: RowAction[] = [
    apiKey.disabled
      ? {
          key: 'enable',
          label: 'Enable',
          placement: 'button',
          loading: toggle.isPending,
          onClick: () => toggle.mutate('enable'),
        }
      : {
          key: 'disable',
          label: 'Disable',
          color: 'orange',
          placement: 'button',
          loading: toggle.isPending,
          onClick: () => toggle.mutate('disable'),
        },
    { key: 'revoke', label: 'Revoke', color: 'red', placement: 'button', onClick: onRevoke },
  ];
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
        <RowActions actions={actions} menuLabel={`Actions for ${apiKey.name}`} />
      </Table.Td>
    </Table.Tr>
  );
}
