import { Badge, Group, type StyleProp, Text } from '@mantine/core';
import type { AuditEvent } from './audit-filters';

/** Who did it: the email for people, a clear badge for API keys, the system and the operator. */
export function ActorCell({
  actor,
  maw = 240,
}: {
  actor: AuditEvent['actor'];
  maw?: StyleProp<number>;
}) {
  if (actor.type === 'system') {
    return (
      <Badge variant="light" color="gray">
        system
      </Badge>
    );
  }
  const badge =
    actor.type === 'apikey' ? (
      <Badge variant="light" color="violet" size="sm">
        API key
      </Badge>
    ) : actor.type === 'operator' ? (
      <Badge variant="light" color="grape" size="sm">
        operator
      </Badge>
    ) : null;
  return (
    <Group gap={6} wrap="nowrap">
      {badge}
      <Text size="sm" truncate maw={maw}>
        {actor.email ?? actor.userId ?? actor.id ?? '—'}
      </Text>
    </Group>
  );
}
