import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import { formatDateTime } from '../format/dates';
import type { CreatedApiKey } from './apikeys-api';

/** The new key's secret, shown this once. */
export function SecretDialog({
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
