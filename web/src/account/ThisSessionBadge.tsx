import { Badge } from '@mantine/core';

/** Marks the session this page is open in; never cut to "THIS SES…" by a narrow column. */
export function ThisSessionBadge({ size }: { size?: 'sm' }) {
  return (
    <Badge
      variant="light"
      size={size}
      miw="fit-content"
      styles={{ label: { overflow: 'visible' } }}
    >
      This session
    </Badge>
  );
}
