import { Center, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconAlertTriangle,
  IconClockX,
  IconLinkOff,
  IconMailX,
  IconUserCheck,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../api/client';

/** The invite page's card, on its own (no account frame around it). */
export function InviteCard({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" bg="var(--gantry-page-background)" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={460} maw="100%">
        <Stack>
          <Text fw={800} size="xl" c="var(--gantry-brand)" component={Link} to="/">
            Gantry
          </Text>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

/** What went wrong with an invite link, for its page. */
export interface Problem {
  title: string;
  message: string;
  icon: ReactNode;
}

/** A clear page for each way an invite link can fail. */
export function problemOf(error: unknown): Problem {
  const code = error instanceof ApiError ? error.code : 'unknown';
  const status = error instanceof ApiError ? error.status : 0;
  if (code === 'invite_used_up') {
    return {
      title: 'This invite has been used up',
      message:
        'Everyone this link was meant for has already joined. Ask the team for a new invite.',
      icon: <IconUserCheck />,
    };
  }
  if (code === 'invite_revoked') {
    return {
      title: 'This invite was revoked',
      message: 'Someone on the team revoked this link. Ask them for a new invite.',
      icon: <IconLinkOff />,
    };
  }
  if (code === 'invite_expired') {
    return {
      title: 'This invite has expired',
      message: 'Invite links only work for a limited time. Ask the team for a new invite.',
      icon: <IconClockX />,
    };
  }
  if (code === 'invite_email_mismatch') {
    return {
      title: 'This invite is for someone else',
      message:
        'It was sent to a different email address. Sign in with the address the invite was sent to.',
      icon: <IconMailX />,
    };
  }
  if (status === 404 || status === 400) {
    return {
      title: 'Invite not found',
      message:
        'This link does not match any invite. Check that you copied the whole link, or ask the team for a new one.',
      icon: <IconLinkOff />,
    };
  }
  return {
    title: 'Something went wrong',
    message: error instanceof Error ? error.message : 'Please try again.',
    icon: <IconAlertTriangle />,
  };
}

/** A problem's page: its icon and title (the page's heading), what to do, and actions. */
export function ProblemView({ problem, children }: { problem: Problem; children?: ReactNode }) {
  return (
    <Stack data-testid="invite-problem">
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon color="gray" variant="light" size="lg">
          {problem.icon}
        </ThemeIcon>
        <Title order={1} size="h2">
          {problem.title}
        </Title>
      </Group>
      <Text>{problem.message}</Text>
      {children}
    </Stack>
  );
}
