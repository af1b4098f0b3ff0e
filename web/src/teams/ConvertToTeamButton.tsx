import { Alert, Button, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconUsersGroup } from '@tabler/icons-react';
import type { Account } from '../api/client';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useConvertToTeam } from './teams-api';

/** Dashboard action: the owner of a personal account turns it into a team account. */
export function ConvertToTeamButton({ account }: { account: Account }) {
  const [opened, { open, close }] = useDisclosure(false);
  if (account.kind !== 'personal' || !account.isOwner) return null;
  return (
    <>
      <Button leftSection={<IconUsersGroup size={16} />} onClick={open}>
        Convert to Team Account
      </Button>
      <ConvertDialog account={account} opened={opened} onClose={close} />
    </>
  );
}

function ConvertDialog({
  account,
  opened,
  onClose,
}: {
  account: Account;
  opened: boolean;
  onClose: () => void;
}) {
  const convert = useConvertToTeam(account.id);
  const form = useForm({ initialValues: { teamName: '' } });
  // Awaited, not a mutate callback: the converted account re-renders the dashboard first.
  const submit = form.onSubmit(async ({ teamName }) => {
    const team = await convert.mutateAsync(teamName).catch(() => null);
    if (!team) return;
    form.reset();
    convert.reset();
    onClose();
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Convert to Team Account">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Team name"
            placeholder="Acme ML"
            required
            data-autofocus
            maxLength={64}
            {...apiFieldProps(form, convert.error, 'teamName')}
          />
          <Text size="sm">After converting you can:</Text>
          <List size="sm" spacing={4}>
            <List.Item>invite people from the Team page, each with a role;</List.Item>
            <List.Item>keep your Pods, balance and history — they stay with the account.</List.Item>
          </List>
          <Alert color="yellow" variant="light" title="This is one-way">
            There is no Convert back. The only way to return to a personal account is Delete Team,
            which removes every other member.
          </Alert>
          <FormError error={convert.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={convert.isPending}
              disabled={!form.values.teamName.trim()}
            >
              Convert
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
