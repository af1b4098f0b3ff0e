import { Alert, Anchor, Text } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { api, call, hasErrorCode } from '../api/client';
import { useMe } from '../api/hooks';

/** Across every page until the signed-in user's email is verified, with a resend. */
export function VerifyEmailBanner() {
  const me = useMe();
  const resend = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/verify-email/resend')),
  });
  const user = me.data?.user;
  if (!user || user.emailVerified) return null;
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
