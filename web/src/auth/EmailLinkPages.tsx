import {
  Alert,
  Anchor,
  Button,
  Center,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, call, hasErrorCode } from '../api/client';
import { errorFor, FormError } from '../components/errors';
import { useMailStatus } from './mail-api';

/** The frame of the pages a mailed link opens. */
function LinkCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-0)">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420}>
        <Stack>
          <Text fw={800} size="xl" c="indigo">
            Gantry
          </Text>
          <Title order={2}>{title}</Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

/** What a used, expired or unknown link says. */
function linkProblem(error: unknown): string {
  if (hasErrorCode(error, 'token_used')) return 'This link was used already.';
  if (hasErrorCode(error, 'token_expired')) return 'This link has expired.';
  if (hasErrorCode(error, 'invalid_token')) return 'This link is not valid.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** `/verify-email/:token`: follows the verification link once, and says how it went. */
export function VerifyEmailPage() {
  const { token = '' } = useParams();
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/verify-email', { body: { token } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
  });
  // Once per page: React's development double effect must not use the link twice.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    verify.mutate();
  }, [verify]);
  if (verify.isSuccess) {
    return (
      <LinkCard title="Email verified">
        <Text data-testid="email-verified">{verify.data.user.email} is verified. Thank you.</Text>
        <Button component={Link} to="/">
          Go to the console
        </Button>
      </LinkCard>
    );
  }
  if (verify.isError) {
    return (
      <LinkCard title="Verify your email">
        <Alert color="red" data-testid="link-problem">
          {linkProblem(verify.error)} Sign in and ask for a new verification link from the banner.
        </Alert>
        <Anchor component={Link} to="/signin">
          Sign in
        </Anchor>
      </LinkCard>
    );
  }
  return (
    <LinkCard title="Verify your email">
      <Center>
        <Loader />
      </Center>
    </LinkCard>
  );
}

/** `/forgot-password`: asks for a reset link; the answer is the same for every email. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const mail = useMailStatus();
  const request = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/password-reset', { body: { email } })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate();
  };
  if (request.isSuccess) {
    return (
      <LinkCard title="Check your mail">
        <Text data-testid="reset-requested">
          If an account uses {email}, a link to choose a new password is on its way. It works once,
          for one hour.
        </Text>
        <Anchor component={Link} to="/signin">
          Back to sign in
        </Anchor>
      </LinkCard>
    );
  }
  return (
    <LinkCard title="Forgot your password?">
      {mail.data?.mailConfigured === false && (
        <Alert color="yellow" data-testid="mail-not-configured">
          This Gantry sends no mail. Ask whoever runs it for a temporary password (
          <code>gantry users reset-password</code>).
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={errorFor(request.error, 'email')}
          />
          <FormError error={request.error} />
          <Button type="submit" loading={request.isPending}>
            Mail me a reset link
          </Button>
          <Anchor component={Link} to="/signin" size="sm">
            Back to sign in
          </Anchor>
        </Stack>
      </form>
    </LinkCard>
  );
}

/** `/reset-password/:token`: sets a new password with the mailed link; then sign in with it. */
export function ResetPasswordPage() {
  const { token = '' } = useParams();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const queryClient = useQueryClient();
  const reset = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/auth/password-reset/confirm', {
          body: { token, newPassword: password },
        }),
      ),
    onSuccess: () => queryClient.removeQueries(),
  });
  const mismatch = again.length > 0 && again !== password;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!mismatch) reset.mutate();
  };
  if (reset.isSuccess) {
    return (
      <LinkCard title="Password changed">
        <Text data-testid="password-reset-done">
          Your new password is set, and every session was signed out. Sign in with it now.
        </Text>
        <Button component={Link} to="/signin">
          Sign in
        </Button>
      </LinkCard>
    );
  }
  const linkBroken =
    hasErrorCode(reset.error, 'token_used') ||
    hasErrorCode(reset.error, 'token_expired') ||
    hasErrorCode(reset.error, 'invalid_token');
  return (
    <LinkCard title="Choose a new password">
      {linkBroken && (
        <Alert color="red" data-testid="link-problem">
          {linkProblem(reset.error)}{' '}
          <Anchor component={Link} to="/forgot-password">
            Ask for a new link
          </Anchor>
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack>
          <PasswordInput
            label="New password"
            description="At least 10 characters"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errorFor(reset.error, 'newPassword')}
          />
          <PasswordInput
            label="New password again"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
            error={mismatch ? 'The two passwords differ' : null}
          />
          {!linkBroken && <FormError error={reset.error} />}
          <Button type="submit" loading={reset.isPending}>
            Set the new password
          </Button>
        </Stack>
      </form>
    </LinkCard>
  );
}
