import { Alert, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page the caller's role does not include: its heading, and why it is empty. */
export function NotAllowed({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        {title}
      </Title>
      <Alert color="gray" variant="light">
        {children}
      </Alert>
    </Stack>
  );
}
