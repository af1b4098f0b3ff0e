import { Anchor, PasswordInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { hasErrorCode } from '../api/client';
import { useMe } from '../api/hooks';
import { errorFor } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { safeNextPath } from '../format/next';
import { AuthForm } from './AuthCard';
import { useSignIn, useSignUp } from './auth-api';
import { useMailStatus } from './mail-api';

/** Where to go after signing in: a same-site path from `?next=`, else home. */
function useNext(): string {
  const [params] = useSearchParams();
  return safeNextPath(params.get('next'));
}

/** After signing in the console goes on to a console path, never to a Pod's page. */
function goNext(navigate: (to: string) => void, next: string) {
  navigate(next);
}

/**
 * What to do once signed in (or up): forget every cached answer and go on to `?next=`. The
 * cache holds what the signed-out visitor was answered (`/me` as nobody): kept, even as
 * stale, it would send the new user straight back to sign in. Someone already signed in (a
 * bookmark, the back button) goes on at once.
 */
function useAfterSignIn(busy: boolean) {
  const next = useNext();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const signedIn = me.data != null && !busy;
  useEffect(() => {
    if (signedIn) goNext(navigate, next);
  }, [signedIn, navigate, next]);
  const done = () => {
    queryClient.removeQueries();
    goNext(navigate, next);
  };
  return { next, done };
}

/**
 * Email and password; then, for a user with two-factor sign-in (the API answers
 * `two_factor_required`), the code from their app or a recovery code, sent with both again.
 */
export function SignInPage() {
  const [askCode, setAskCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const after = useAfterSignIn(busy);
  const signIn = useSignIn(after.done, () => setAskCode(true));
  const form = useForm({ initialValues: { email: '', password: '', code: '' } });
  const mail = useMailStatus();
  const submit = form.onSubmit(({ email, password, code }) => {
    setBusy(true);
    signIn.mutate(
      { email, password, ...(askCode ? { code } : {}) },
      { onError: () => setBusy(false) },
    );
  });
  const error = signIn.error;
  const wrongCode = hasErrorCode(error, 'invalid_two_factor_code');
  if (askCode) {
    return (
      <AuthForm
        title="Two-factor sign-in"
        action="Sign in"
        onSubmit={submit}
        pending={signIn.isPending}
        error={hasErrorCode(error, 'two_factor_required') || wrongCode ? null : error}
        footer={
          <Anchor
            component="button"
            type="button"
            onClick={() => {
              setAskCode(false);
              form.setFieldValue('code', '');
              signIn.reset();
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
          {...form.getInputProps('code')}
          error={wrongCode ? 'This code is wrong or was used already' : errorFor(error, 'code')}
        />
      </AuthForm>
    );
  }
  return (
    <AuthForm
      title="Sign in"
      action="Sign in"
      onSubmit={submit}
      pending={signIn.isPending}
      error={error}
      footer={
        <>
          New to Gantry?{' '}
          <Anchor
            component={Link}
            to={`/signup?next=${encodeURIComponent(after.next)}`}
            underline="always"
          >
            Create an account
          </Anchor>
        </>
      }
    >
      <TextInput
        label="Email"
        type="email"
        autoComplete="email"
        required
        {...apiFieldProps(form, error, 'email')}
      />
      <PasswordInput
        label="Password"
        autoComplete="current-password"
        required
        {...apiFieldProps(form, error, 'password')}
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
  const [busy, setBusy] = useState(false);
  const after = useAfterSignIn(busy);
  const signUp = useSignUp(after.done);
  const [params] = useSearchParams();
  // An invite bound to an address prefills it (`?email=`).
  const form = useForm({
    initialValues: { name: '', email: params.get('email') ?? '', password: '' },
  });
  const submit = form.onSubmit((values) => {
    setBusy(true);
    signUp.mutate(values, { onError: () => setBusy(false) });
  });
  const field = (name: 'name' | 'email' | 'password') => apiFieldProps(form, signUp.error, name);
  return (
    <AuthForm
      title="Create your account"
      action="Sign up"
      onSubmit={submit}
      pending={signUp.isPending}
      error={signUp.error}
      footer={
        <>
          Already have an account?{' '}
          <Anchor
            component={Link}
            to={`/signin?next=${encodeURIComponent(after.next)}`}
            underline="always"
          >
            Sign in
          </Anchor>
        </>
      }
    >
      <TextInput label="Name" autoComplete="name" required {...field('name')} />
      <TextInput label="Email" type="email" autoComplete="email" required {...field('email')} />
      <PasswordInput
        label="Password"
        description="At least 10 characters"
        autoComplete="new-password"
        required
        {...field('password')}
      />
    </AuthForm>
  );
}
