import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Code,
  CopyButton,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconCopy, IconDownload } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { QRCodeSVG } from 'qrcode.react';
import { type FormEvent, useState } from 'react';
import { api, call, hasErrorCode } from '../api/client';
import { useMe } from '../api/hooks';
import { errorFor, FormError } from '../components/errors';
import { formatDate } from '../format/dates';
import { DialogActions, PasswordField } from './confirm-fields';
import { USER_EVENTS_KEY } from './user-events';

const TWO_FACTOR_KEY = ['two-factor'];

/** Below this many recovery codes left, the card says to make new ones. */
const FEW_RECOVERY_CODES = 3;

/** The code field's message, in the console's words for a wrong code. */
function codeMessage(error: unknown): string | undefined {
  return hasErrorCode(error, 'wrong_code')
    ? 'This code is wrong or was used already'
    : errorFor(error, 'code');
}

function useRefreshTwoFactor() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: TWO_FACTOR_KEY });
    await queryClient.invalidateQueries({ queryKey: USER_EVENTS_KEY });
  };
}

function CodeField({
  value,
  onChange,
  error,
  label = 'Code from the app',
  description,
}: {
  value: string;
  onChange: (value: string) => void;
  error: unknown;
  label?: string;
  description?: string;
}) {
  return (
    <TextInput
      label={label}
      description={description}
      placeholder="123 456"
      required
      maxLength={64}
      autoComplete="one-time-code"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={codeMessage(error)}
    />
  );
}

/** A dialog's first step: the password again, before a change to two-factor sign-in. */
function PasswordStep({
  intro,
  password,
  onChange,
  request,
  action,
  onCancel,
}: {
  intro: string;
  password: string;
  onChange: (value: string) => void;
  request: { mutate: () => void; isPending: boolean; error: unknown };
  action: string;
  onCancel: () => void;
}) {
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        request.mutate();
      }}
    >
      <Stack>
        <Text size="sm">{intro}</Text>
        <PasswordField value={password} onChange={onChange} error={request.error} />
        <FormError error={request.error} />
        <DialogActions onCancel={onCancel} pending={request.isPending}>
          {action}
        </DialogActions>
      </Stack>
    </form>
  );
}

/** Recovery codes, shown once: to copy or download before the dialog closes. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const me = useMe();
  const text = `Gantry recovery codes${me.data ? ` for ${me.data.user.email}` : ''}\nEach code signs you in once.\n\n${codes.join('\n')}\n`;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'gantry-recovery-codes.txt';
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Stack>
      <Alert
        color="yellow"
        variant="light"
        icon={<IconAlertTriangle size={18} />}
        title="Save your recovery codes"
      >
        If you lose your phone, each code signs you in once instead of the app's code. This is the
        only time they are shown: keep them in your password manager or print them.
      </Alert>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" data-testid="recovery-codes">
        {codes.map((code) => (
          <Code key={code} fz="sm" ta="center" data-testid="recovery-code">
            {code}
          </Code>
        ))}
      </SimpleGrid>
      <Group justify="space-between">
        <Group gap="xs">
          <CopyButton value={codes.join('\n')} timeout={2000}>
            {({ copied, copy }) => (
              <Button
                variant="light"
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                onClick={copy}
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
          <Button variant="light" leftSection={<IconDownload size={16} />} onClick={download}>
            Download
          </Button>
        </Group>
        <Button onClick={onDone}>I have saved them</Button>
      </Group>
    </Stack>
  );
}

/** The authenticator's key as people type it: groups of four. */
function groupedKey(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

/** Turning two-factor sign-in on: the password, then the QR code and a first code, then codes. */
function EnableDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const refresh = useRefreshTwoFactor();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const setup = useMutation({
    mutationFn: () => call(api.POST('/api/v1/me/two-factor/setup', { body: { password } })),
    onSuccess: () => setPassword(''),
  });
  const enable = useMutation({
    mutationFn: () => call(api.POST('/api/v1/me/two-factor/enable', { body: { code } })),
    onSuccess: refresh,
  });
  const reset = () => {
    setPassword('');
    setCode('');
    setup.reset();
    enable.reset();
  };
  const codes = enable.data?.recoveryCodes;
  const secret = setup.data;
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={reset}
      title={codes ? 'Two-factor sign-in is on' : 'Turn on two-factor sign-in'}
      closeOnClickOutside={!codes}
      size="lg"
    >
      {codes ? (
        <RecoveryCodes codes={codes} onDone={onClose} />
      ) : secret ? (
        <form
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            enable.mutate();
          }}
        >
          <Stack>
            <Text size="sm">
              Scan the QR code with your authenticator app (1Password, Google Authenticator,
              Microsoft Authenticator, Authy…), then enter the code it shows.
            </Text>
            <Center>
              <QRCodeSVG
                value={secret.uri}
                size={184}
                marginSize={2}
                title="QR code for your authenticator app"
                data-testid="two-factor-qr"
              />
            </Center>
            <Text size="sm" c="dimmed">
              On this phone?{' '}
              <Anchor href={secret.uri} size="sm">
                Open it in your authenticator app
              </Anchor>
              . Cannot scan it? Type in this key:
            </Text>
            <Group gap="xs" wrap="nowrap">
              <Code
                block
                fz="sm"
                // Wraps between groups on a phone rather than scrolling sideways.
                style={{ flex: 1, whiteSpace: 'pre-wrap' }}
                data-testid="two-factor-secret"
              >
                {groupedKey(secret.secret)}
              </Code>
              <CopyButton value={secret.secret} timeout={2000}>
                {({ copied, copy }) => (
                  <Button
                    variant="light"
                    onClick={copy}
                    aria-label="Copy the key"
                    leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  >
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <CodeField value={code} onChange={setCode} error={enable.error} />
            <FormError error={enable.error} />
            <DialogActions onCancel={onClose} pending={enable.isPending}>
              Turn on
            </DialogActions>
          </Stack>
        </form>
      ) : (
        <PasswordStep
          intro="Enter your password to go on."
          password={password}
          onChange={setPassword}
          request={setup}
          action="Next"
          onCancel={onClose}
        />
      )}
    </Modal>
  );
}

/** New recovery codes in place of the old ones, after the password. */
function RecoveryCodesDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const refresh = useRefreshTwoFactor();
  const [password, setPassword] = useState('');
  const renew = useMutation({
    mutationFn: () =>
      call(api.POST('/api/v1/me/two-factor/recovery-codes', { body: { password } })),
    onSuccess: async () => {
      setPassword('');
      await refresh();
    },
  });
  const codes = renew.data?.recoveryCodes;
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        setPassword('');
        renew.reset();
      }}
      title="New recovery codes"
      closeOnClickOutside={!codes}
      size="lg"
    >
      {codes ? (
        <RecoveryCodes codes={codes} onDone={onClose} />
      ) : (
        <PasswordStep
          intro="Ten new codes replace all your old ones, used or not: the old ones stop working."
          password={password}
          onChange={setPassword}
          request={renew}
          action="Make new codes"
          onCancel={onClose}
        />
      )}
    </Modal>
  );
}

/** Turning two-factor sign-in off: the password and a code, so a stolen session cannot. */
function DisableDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const refresh = useRefreshTwoFactor();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const disable = useMutation({
    mutationFn: () => call(api.POST('/api/v1/me/two-factor/disable', { body: { password, code } })),
    onSuccess: async () => {
      onClose();
      notifications.show({ color: 'green', message: 'Two-factor sign-in is off' });
      await refresh();
    },
  });
  const error = disable.error;
  const me = useMe();
  const requiring = (me.data?.memberships ?? [])
    .filter((m) => m.account.requireTwoFactor)
    .map((m) => m.account.name);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        setPassword('');
        setCode('');
        disable.reset();
      }}
      title="Turn off two-factor sign-in"
    >
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          disable.mutate();
        }}
      >
        <Stack>
          <Text size="sm">Signing in will ask for your password only.</Text>
          {requiring.length > 0 && (
            <Alert color="orange" variant="light" data-testid="teams-requiring-two-factor">
              {requiring.join(', ')} {requiring.length === 1 ? 'requires' : 'require'} two-factor
              sign-in: turning it off shuts you out until you turn it on again.
            </Alert>
          )}
          <PasswordField value={password} onChange={setPassword} error={error} />
          <CodeField
            value={code}
            onChange={setCode}
            error={error}
            label="Code"
            description="From your authenticator app, or a recovery code"
          />
          <FormError error={error} />
          <DialogActions onCancel={onClose} pending={disable.isPending} color="red">
            Turn off
          </DialogActions>
        </Stack>
      </form>
    </Modal>
  );
}

/** Whether the signed-in user has two-factor sign-in on, with their recovery codes left. */
export function useTwoFactorStatus() {
  return useQuery({
    queryKey: TWO_FACTOR_KEY,
    queryFn: () => call(api.GET('/api/v1/me/two-factor')),
  });
}

/** Settings → Two-factor sign-in: whether it is on, and turning it on or off. */
export function TwoFactorCard() {
  const status = useTwoFactorStatus();
  const [dialog, setDialog] = useState<'enable' | 'disable' | 'recovery' | null>(null);
  const close = () => setDialog(null);
  const data = status.data;
  return (
    <Card withBorder data-testid="two-factor-card">
      <Group gap="xs">
        <Title order={4}>Two-factor sign-in</Title>
        {data && (
          <Badge variant="light" color={data.enabled ? 'green' : 'gray'}>
            {data.enabled ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      {status.isError && <FormError error={status.error} />}
      {data && !data.enabled && (
        <Stack gap="sm" align="flex-start">
          <Text size="sm" c="dimmed">
            Besides your password, signing in asks for a code from an authenticator app on your
            phone. Someone who learns your password still cannot sign in as you.
          </Text>
          <Button variant="light" onClick={() => setDialog('enable')}>
            Turn on
          </Button>
        </Stack>
      )}
      {data?.enabled && (
        <Stack gap="sm" align="flex-start">
          <Text size="sm" c="dimmed">
            On since {data.enabledAt ? formatDate(data.enabledAt) : '—'}: signing in asks for a code
            from your authenticator app.{' '}
            <span data-testid="recovery-codes-left">
              {data.recoveryCodesLeft} recovery {data.recoveryCodesLeft === 1 ? 'code' : 'codes'}{' '}
              left.
            </span>
          </Text>
          {data.recoveryCodesLeft <= FEW_RECOVERY_CODES && (
            <Alert color="yellow" variant="light" role="status">
              Few recovery codes are left: make new ones, so a lost phone does not lock you out.
            </Alert>
          )}
          <Group gap="xs">
            <Button variant="default" onClick={() => setDialog('recovery')}>
              New recovery codes
            </Button>
            <Button variant="light" color="red" onClick={() => setDialog('disable')}>
              Turn off
            </Button>
          </Group>
        </Stack>
      )}
      <EnableDialog opened={dialog === 'enable'} onClose={close} />
      <RecoveryCodesDialog opened={dialog === 'recovery'} onClose={close} />
      <DisableDialog opened={dialog === 'disable'} onClose={close} />
    </Card>
  );
}
