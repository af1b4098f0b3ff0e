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
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, call } from '../api/client';
import { useMailStatus } from '../auth/mail-api';
import { errorFor, FormError } from '../components/errors';
import { relativeTime } from '../format/dates';
import { type Invite, invitesKey, ROLES, type Role, roleLabel } from './teams-api';

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

/** What is wrong with the typed number of uses, or `undefined` when it can be sent. */
function usesProblem(value: number | string): string | undefined {
  if (value === '') return 'Enter how many people can join with this link';
  const uses = Number(value);
  if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) {
    return `Enter a whole number from 1 to ${MAX_USES}`;
  }
  return undefined;
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
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>('basic');
  const [email, setEmail] = useState('');
  const mail = useMailStatus();
  const [expiresInHours, setExpiresInHours] = useState('168');
  // What the person typed, as typed: '' while empty, a number otherwise (never clamped).
  const [maxUses, setMaxUses] = useState<number | string>(1);
  const [submitted, setSubmitted] = useState(false);
  const maxUsesProblem = usesProblem(maxUses);
  const [created, setCreated] = useState<Invite | null>(null);
  const create = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/accounts/{accountId}/invites', {
          params: { path: { accountId } },
          body: {
            role,
            expiresInHours: Number(expiresInHours),
            maxUses: Number(maxUses),
            ...(email.trim() ? { email: email.trim() } : {}),
          },
        }),
      ),
    onSuccess: async (invite) => {
      setCreated(invite);
      await queryClient.invalidateQueries({ queryKey: invitesKey(accountId) });
    },
  });
  const close = () => {
    onClose();
    setCreated(null);
    setEmail('');
    setRole('basic');
    setExpiresInHours('168');
    setMaxUses(1);
    setSubmitted(false);
    create.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (maxUsesProblem) return;
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title="Invite New Member" size="lg">
      {created ? (
        <Stack data-testid="invite-created">
          <Alert color="green" variant="light" title="Invite created">
            Send this link to the person you are inviting. It gives the{' '}
            <b>{roleLabel(created.role)}</b> role,{' '}
            {created.maxUses === 1 ? 'works once' : `works for ${created.maxUses} people`} and
            expires {relativeTime(created.expiresAt)}
            {created.email ? ` (only for ${created.email})` : ''}. You can copy it again from
            Pending invites.
          </Alert>
          {created.url && (
            <Group gap="xs" wrap="nowrap">
              <TextInput
                aria-label="Invite link"
                readOnly
                value={created.url}
                style={{ flex: 1 }}
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyLinkButton url={created.url} />
            </Group>
          )}
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <Radio.Group
              label="Role"
              value={role}
              onChange={(value) => setRole(value as Role)}
              error={errorFor(create.error, 'role')}
            >
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
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={errorFor(create.error, 'email')}
              />
            )}
            <Group grow align="flex-start">
              <Select
                label="Expires after"
                description="The link stops working then"
                data={EXPIRY_PRESETS}
                value={expiresInHours}
                onChange={(value) => value && setExpiresInHours(value)}
                allowDeselect={false}
                error={errorFor(create.error, 'expiresInHours')}
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
                value={maxUses}
                onChange={(value) => {
                  setMaxUses(value);
                  if (create.isError) create.reset();
                }}
                // Out of range shows at once; empty only once they try to create the invite.
                error={
                  (maxUses !== '' || submitted ? maxUsesProblem : undefined) ??
                  errorFor(create.error, 'maxUses')
                }
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
