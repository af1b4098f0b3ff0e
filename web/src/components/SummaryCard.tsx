import { Anchor, Card, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

/**
 * One card of the dashboard: a title, the figures (or that they are loading, or could not be
 * loaded), and a link to the page they come from. Modules build theirs on it (Pods, Billing,
 * Team, Audit logs).
 */
export function SummaryCard<T>({
  title,
  to,
  linkLabel,
  testId,
  query,
  what,
  children,
}: {
  title: string;
  /** The page with the details. */
  to: string;
  linkLabel: string;
  testId: string;
  /** Where the figures come from (a TanStack query). */
  query: { data: T | undefined; isError: boolean };
  /** What the figures are, for the error: "The {what} could not be loaded". */
  what: string;
  /** The figures, once there is data (the last data stays shown if a refresh fails). */
  children: (data: T) => ReactNode;
}) {
  return (
    <Card withBorder data-testid={testId}>
      <Stack gap={4} h="100%">
        <Text size="sm" c="dimmed">
          {title}
        </Text>
        <Stack gap={2} style={{ flex: 1 }}>
          {query.data !== undefined ? (
            children(query.data)
          ) : query.isError ? (
            <Text c="red">The {what} could not be loaded</Text>
          ) : (
            <Text c="dimmed">Loading…</Text>
          )}
        </Stack>
        <Group justify="flex-end" mt="xs">
          <Anchor component={Link} to={to} size="sm">
            {linkLabel} →
          </Anchor>
        </Group>
      </Stack>
    </Card>
  );
}

/** The card's main figure: "2 running", "$24.99". */
export function SummaryFigure({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Text fw={700} size="xl" data-testid={testId}>
      {children}
    </Text>
  );
}
