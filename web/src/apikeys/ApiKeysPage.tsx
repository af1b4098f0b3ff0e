import {
  Alert,
  Anchor,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { useMe, usePolicy } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TableFrame } from '../components/TableFrame';
import { type ApiKey, type CreatedApiKey, useApiKeys, useRevokeApiKey } from './apikeys-api';
import { CliHelpCard } from './CliHelpCard';
import { CreateKeyDialog } from './CreateKeyDialog';
import { KeyRow } from './KeyRow';
import { SecretDialog } from './SecretDialog';

function RevokeDialog({
  accountId,
  apiKey,
  onClose,
}: {
  accountId: string;
  apiKey: ApiKey | null;
  onClose: () => void;
}) {
  const revoke = useRevokeApiKey(accountId);
  return (
    <ConfirmDialog
      opened={apiKey !== null}
      title="Revoke API key"
      confirmLabel="Revoke key"
      onClose={onClose}
      onConfirm={() => (apiKey ? revoke.mutateAsync(apiKey) : Promise.resolve())}
    >
      <Text>
        Revoke <b>{apiKey?.name}</b> (<Code>{apiKey?.prefix}…</Code>)? Every script or machine using
        it stops working on its next request. This cannot be undone.
      </Text>
    </ConfirmDialog>
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
          <Title order={1} size="h2">
            API keys
          </Title>
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
