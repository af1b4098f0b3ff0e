import { Alert, Anchor, Text } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { api, call, hasErrorCode } from '../api/client';
import { useMe } from '../api/hooks';
import { useMailStatus } from './mail-api';

/**
 * Across every page until the signed-in user's email is verified, with a resend; only where
 * Gantry sends mail (without it no link went out, and the operator verifies addresses).
 */
export function VerifyEmailBanner() {
  const me = useMe();
  const mail = useMailStatus();
  const resend = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/verify-email/resend')),
  });
  const user = me.data?.user;
  if (!user || user.emailVerified || mail.data?.mailConfigured !== true) return null;
  return (
    <Alert
      color="blue"
      variant="light"
      icon={<IconMail size={18} />}
      mb="md"
      data-testid="verify-email-banner"
      title="Verify your email"
    >
      <Text size="sm">
        We mailed a link to {user.email}; follow it to verify the address.{' '}
        {resend.isSuccess ? (
          'A new link is on its way.'
        ) : hasErrorCode(resend.error, 'rate_limited') ? (
          'Too many links asked for; try again later.'
        ) : (
          <Anchor component="button" type="button" size="sm" onClick={() => resend.mutate()}>
            Send a new link
          </Anchor>
        )}
      </Text>
    </Alert>
  );
}
