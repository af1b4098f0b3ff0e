import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import type { FormEventHandler, ReactNode } from 'react';
import { FormError } from '../components/errors';

/** The frame of the signed-out pages: the product's name, the page's heading, its content. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center component="main" mih="100vh" bg="var(--gantry-page-background)" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={400} maw="100%">
        <Stack>
          <Text fw={800} size="xl" c="var(--gantry-brand)">
            Gantry
          </Text>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

/** The card, the form and its fields, the API's error, the submit button and a footer line. */
export function AuthForm({
  title,
  action,
  onSubmit,
  pending,
  error,
  footer,
  children,
}: {
  title: string;
  action: string;
  onSubmit: FormEventHandler<HTMLFormElement>;
  pending: boolean;
  /** The error for the form as a whole (field errors show at their fields). */
  error: unknown;
  footer: ReactNode;
  children: ReactNode;
}) {
  return (
    <AuthCard title={title}>
      <form onSubmit={onSubmit}>
        <Stack>
          {children}
          <FormError error={error} />
          <Button type="submit" loading={pending}>
            {action}
          </Button>
          <Text size="sm">{footer}</Text>
        </Stack>
      </form>
    </AuthCard>
  );
}
