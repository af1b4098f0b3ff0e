import {
  ActionIcon,
  Alert,
  Button,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Radio,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useState } from 'react';
import { useMailStatus } from '../auth/mail-api';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { relativeTime } from '../format/dates';
import { useCreateInvite } from './invites-api';
import { type Invite, ROLES, type Role, roleLabel } from './teams-api';

/** Expiry presets, in hours (the API takes 1–720). */
const EXPIRY_PRESETS: Array<{ value: string; label: string }> = [
  { value: '1', label: '1 hour' },
  { value: '24', label: '1 day' },
  { value: '72', label: '3 days' },
  { value: '168', label: '7 days' },
  { value: '336', label: '14 days' },
  { value: '720', label: '30 days' },
];

/** How many people one link may admit (the API takes 1–100). */
const MAX_USES = 100;

/** What is wrong with the typed number of uses, or `null` when it can be sent. */
function usesProblem(value: number | string): string | null {
  if (value === '') return 'Enter how many people can join with this link';
  const uses = Number(value);
  if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) {
    return `Enter a whole number from 1 to ${MAX_USES}`;
  }
  return null;
}

/** A link with a copy button (Mantine CopyButton), e.g. a new or pending invite's. */
export function CopyLinkButton({ url, label = 'Copy link' }: { url: string; label?: string }) {
  return (
    <CopyButton value={url} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : label} withArrow>
          <ActionIcon
            variant="light"
            color={copied ? 'teal' : 'gray'}
            onClick={copy}
            aria-label={label}
          >
            {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** The new invite: what its link gives, the link to copy (focused, so it is read out first). */
function CreatedInvite({ created, onDone }: { created: Invite; onDone: () => void }) {
  return (
    <Stack data-testid="invite-created">
      <Alert color="green" variant="light" title="Invite created">
        Send this link to the person you are inviting. It gives the <b>{roleLabel(created.role)}</b>{' '}
        role, {created.maxUses === 1 ? 'works once' : `works for ${created.maxUses} people`} and
        expires {relativeTime(created.expiresAt)}
        {created.email ? ` (only for ${created.email})` : ''}. You can copy it again from Pending
        invites.
      </Alert>
      {created.url && (
        <Group gap="xs" wrap="nowrap">
          <TextInput
            label="Invite link"
            readOnly
            value={created.url}
            style={{ flex: 1 }}
            onFocus={(e) => e.currentTarget.select()}
            // Focus goes to the result of "Create invite", not back to the page's body.
            ref={(node) => node?.focus()}
          />
          <CopyLinkButton url={created.url} />
        </Group>
      )}
      <Group justify="flex-end">
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

const INITIAL = {
  role: 'basic' as Role,
  email: '',
  expiresInHours: '168',
  // What the person typed, as typed: '' while empty, a number otherwise (never clamped).
  maxUses: 1 as number | string,
};

/** Invite New Member: pick a role (with what it may do), optional email, expiry and uses. */
export function InviteDialog({
  accountId,
  opened,
  onClose,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const create = useCreateInvite(accountId);
  const mail = useMailStatus();
  const [created, setCreated] = useState<Invite | null>(null);
  const form = useForm({
    initialValues: INITIAL,
    // Out of range shows at once; empty only once they try to create the invite.
    validateInputOnChange: ['maxUses'],
    validate: { maxUses: usesProblem },
    onValuesChange: () => create.isError && create.reset(),
  });
  const close = () => {
    onClose();
    setCreated(null);
    form.reset();
    create.reset();
  };
  const submit = form.onSubmit((values) =>
    create.mutate(
      {
        role: values.role,
        expiresInHours: Number(values.expiresInHours),
        maxUses: Number(values.maxUses),
        ...(values.email.trim() ? { email: values.email.trim() } : {}),
      },
      { onSuccess: setCreated },
    ),
  );
  const field = (name: keyof typeof INITIAL) => apiFieldProps(form, create.error, name);
  return (
    <Modal opened={opened} onClose={close} title="Invite New Member" size="lg">
      {created ? (
        <CreatedInvite created={created} onDone={close} />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Radio.Group label="Role" {...field('role')}>
              <Stack gap="xs" mt={6}>
                {ROLES.map((r) => (
                  <Radio
                    key={r.value}
                    value={r.value}
                    label={r.label}
                    description={r.description}
                  />
                ))}
              </Stack>
            </Radio.Group>
            {mail.data?.invitesByEmail === false ? (
              <Text size="xs" c="dimmed" data-testid="invite-email-unavailable">
                This Gantry sends no mail, so an invite cannot be bound to an email address (no
                address could be verified): send the link to the person yourself.
              </Text>
            ) : (
              <TextInput
                label="Email"
                description="Optional: mailed there; only that verified address can join"
                type="email"
                placeholder="anyone with the link"
                {...field('email')}
              />
            )}
            <Group grow align="flex-start">
              <Select
                label="Expires after"
                description="The link stops working then"
                data={EXPIRY_PRESETS}
                allowDeselect={false}
                {...field('expiresInHours')}
              />
              <NumberInput
                label="Number of uses"
                description={`How many people can join with it (1–${MAX_USES})`}
                min={1}
                max={MAX_USES}
                // Never rewrite what was typed (150 is not 15, empty is not 1): say what is wrong.
                clampBehavior="none"
                allowDecimal={false}
                allowNegative={false}
                {...field('maxUses')}
              />
            </Group>
            <FormError error={create.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create invite
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
