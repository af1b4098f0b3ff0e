import {
  Anchor,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, call, hasErrorCode } from '../api/client';
import { useMe } from '../api/hooks';
import { errorFor, FormError } from '../components/errors';
import { safeNextPath } from '../format/next';
import { useMailStatus } from './mail-api';

/** Where to go after signing in: a console path from `?next=` (never a Pod's), else home. */
function useNext(): string {
  const [params] = useSearchParams();
  return safeNextPath(params.get('next'));
}

function goNext(navigate: (to: string) => void, next: string) {
  navigate(next);
}

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-0)">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={400}>
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

/**
 * Submits `request`, then forgets every cached answer and goes on to `?next=`. The cache
 * holds what the signed-out visitor was answered (`/me` as nobody): kept, even as stale, it
 * would send the new user straight back to sign in.
 */
function useAuthForm(request: () => Promise<unknown>) {
  const next = useNext();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const mutation = useMutation({
    mutationFn: request,
    onSuccess: () => {
      queryClient.removeQueries();
      goNext(navigate, next);
    },
  });
  // Someone already signed in (a bookmark, the back button) goes on as after signing in.
  const signedIn = me.data != null && !mutation.isPending && !mutation.isSuccess;
  useEffect(() => {
    if (signedIn) goNext(navigate, next);
  }, [signedIn, navigate, next]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return { next, mutation, submit };
}

/** The card, the form and its fields, the API's error, the submit button and a footer line. */
function AuthForm({
  title,
  action,
  form,
  error = form.mutation.error,
  footer,
  children,
}: {
  title: string;
  action: string;
  form: ReturnType<typeof useAuthForm>;
  /** The error for the form as a whole, when not every error of the request is one. */
  error?: unknown;
  footer: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <AuthCard title={title}>
      <form onSubmit={form.submit}>
        <Stack>
          {children}
          <FormError error={error} />
          <Button type="submit" loading={form.mutation.isPending}>
            {action}
          </Button>
          <Text size="sm">{footer}</Text>
        </Stack>
      </form>
    </AuthCard>
  );
}

function EmailInput({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: Error | null;
}) {
  return (
    <TextInput
      label="Email"
      type="email"
      autoComplete="email"
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={errorFor(error, 'email')}
    />
  );
}

/**
 * Email and password; then, for a user with two-factor sign-in (the API answers
 * `two_factor_required`), the code from their app or a recovery code, sent with both again.
 */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [askCode, setAskCode] = useState(false);
  const [code, setCode] = useState('');
  const mail = useMailStatus();
  const form = useAuthForm(async () => {
    try {
      return await call(
        api.POST('/api/v1/auth/login', {
          body: { email, password, ...(askCode ? { code } : {}) },
        }),
      );
    } catch (error) {
      if (hasErrorCode(error, 'two_factor_required')) setAskCode(true);
      throw error;
    }
  });
  const error = form.mutation.error;
  const wrongCode = hasErrorCode(error, 'invalid_two_factor_code');
  if (askCode) {
    return (
      <AuthForm
        title="Two-factor sign-in"
        action="Sign in"
        form={form}
        error={hasErrorCode(error, 'two_factor_required') || wrongCode ? null : error}
        footer={
          <Anchor
            component="button"
            type="button"
            onClick={() => {
              setAskCode(false);
              setCode('');
              form.mutation.reset();
            }}
          >
            Back
          </Anchor>
        }
      >
        <Text size="sm">
          Enter the code your authenticator app shows for Gantry. Lost your phone? Enter one of your
          recovery codes.
        </Text>
        <TextInput
          label="Code"
          placeholder="123 456"
          autoComplete="one-time-code"
          required
          maxLength={64}
          autoFocus
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={wrongCode ? 'This code is wrong or was used already' : errorFor(error, 'code')}
        />
      </AuthForm>
    );
  }
  return (
    <AuthForm
      title="Sign in"
      action="Sign in"
      form={form}
      footer={
        <>
          New to Gantry?{' '}
          <Anchor component={Link} to={`/signup?next=${encodeURIComponent(form.next)}`}>
            Create an account
          </Anchor>
        </>
      }
    >
      <EmailInput value={email} onChange={setEmail} error={error} />
      <PasswordInput
        label="Password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={errorFor(error, 'password')}
      />
      <Anchor component={Link} to="/forgot-password" size="sm" data-testid="forgot-password">
        Forgot password?
      </Anchor>
      {mail.data?.mailConfigured === false && (
        // Self-hosted, without email: the operator gives a temporary password
        // (`gantry users reset-password`).
        <Text size="xs" c="dimmed" data-testid="mail-not-configured">
          This Gantry sends no mail (no GANTRY_SMTP_URL): whoever runs it can give you a temporary
          password.
        </Text>
      )}
    </AuthForm>
  );
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const [name, setName] = useState('');
  // An invite bound to an address prefills it (`?email=`).
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const form = useAuthForm(() =>
    call(api.POST('/api/v1/auth/signup', { body: { name, email, password } })),
  );
  return (
    <AuthForm
      title="Create your account"
      action="Sign up"
      form={form}
      footer={
        <>
          Already have an account?{' '}
          <Anchor component={Link} to={`/signin?next=${encodeURIComponent(form.next)}`}>
            Sign in
          </Anchor>
        </>
      }
    >
      <TextInput
        label="Name"
        autoComplete="name"
        required
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={errorFor(form.mutation.error, 'name')}
      />
      <EmailInput value={email} onChange={setEmail} error={form.mutation.error} />
      <PasswordInput
        label="Password"
        description="At least 10 characters"
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={errorFor(form.mutation.error, 'password')}
      />
    </AuthForm>
  );
}
