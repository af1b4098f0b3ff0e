import {
  ActionIcon,
  Anchor,
  Card,
  Code,
  CopyButton,
  Group,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/** Long commands wrap (on a phone) instead of scrolling sideways; the copy button copies one line. */
const WRAP_ANYWHERE = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

/** How to use a key with the `gantry` command line. */
export function CliHelpCard() {
  const origin = window.location.origin;
  const login = `gantry login --url ${origin} --key gnt_…`;
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb={4}>
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
        <Code>Authorization: Bearer gnt_…</Code>: every operation is described in the{' '}
        <Anchor href="/api/docs/" target="_blank" size="sm" underline="always">
          API reference
        </Anchor>{' '}
        (OpenAPI document:{' '}
        <Anchor href="/api/v1/openapi.json" size="sm" underline="always">
          openapi.json
        </Anchor>
        ).
      </Text>
    </Card>
  );
}
