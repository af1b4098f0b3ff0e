import { ActionIcon, Code, CopyButton, Group, Tooltip, UnstyledButton } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import type { MouseEvent } from 'react';

/**
 * A resource's whole ID: click it to filter the log by it, or copy it. (Clicks stay here: the
 * row around it opens the event.)
 */
export function ResourceId({ id, onFilter }: { id: string; onFilter: (id: string) => void }) {
  const stop = (event: MouseEvent) => event.stopPropagation();
  return (
    <Group gap={2} wrap="nowrap" onClick={stop} style={{ minWidth: 0 }}>
      <Tooltip label="Show only this resource's events" openDelay={300}>
        <UnstyledButton
          onClick={() => onFilter(id)}
          aria-label={`Filter by ${id}`}
          data-testid="audit-resource-id"
          style={{ minWidth: 0 }}
        >
          <Code fz={11} style={{ overflowWrap: 'anywhere', whiteSpace: 'normal' }}>
            {id}
          </Code>
        </UnstyledButton>
      </Tooltip>
      <CopyButton value={id} timeout={2000}>
        {({ copied, copy }) => (
          <ActionIcon
            variant="subtle"
            color={copied ? 'teal' : 'gray'}
            size="sm"
            onClick={copy}
            aria-label={copied ? 'Copied' : `Copy ${id}`}
          >
            {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
          </ActionIcon>
        )}
      </CopyButton>
    </Group>
  );
}
