import {
  Anchor,
  Button,
  Center,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Stack,
  Text,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { type FormEvent, lazy, Suspense } from 'react';
import { FormError } from '../components/errors';
import { useEnableTwoFactor, useTwoFactorSetup } from './account-api';
import { DialogActions } from './confirm-fields';
import { RecoveryCodes } from './RecoveryCodes';
import { CodeField, PasswordStep } from './two-factor-fields';

/** The QR code (qrcode.react), loaded only when someone turns two-factor sign-in on. */
const QrCode = lazy(() => import('./TwoFactorQrCode'));

/** The authenticator's key as people type it: groups of four. */
function groupedKey(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

/** Turning two-factor sign-in on: the password, then the QR code and a first code, then codes. */
export function EnableTwoFactorDialog({
  opened,
  onClose,
}: {
  opened: boolean;
  onClose: () => void;
}) {
  const form = useForm({ initialValues: { password: '', code: '' } });
  const { password, code } = form.values;
  const setPassword = (value: string) => form.setFieldValue('password', value);
  const setCode = (value: string) => form.setFieldValue('code', value);
  const setupMutation = useTwoFactorSetup();
  const setup = {
    ...setupMutation,
    mutate: () => setupMutation.mutate(password, { onSuccess: () => setPassword('') }),
  };
  const enable = useEnableTwoFactor();
  const reset = () => {
    form.reset();
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
            enable.mutate(code);
          }}
        >
          <Stack>
            <Text size="sm">
              Scan the QR code with your authenticator app (1Password, Google Authenticator,
              Microsoft Authenticator, Authy…), then enter the code it shows.
            </Text>
            <Center>
              <Suspense fallback={<Loader />}>
                <QrCode uri={secret.uri} />
              </Suspense>
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
