import { Alert, Button, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconUsersGroup } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Account, api, call } from '../api/client';
import { errorFor, FormError } from '../components/errors';
import { refreshTeam } from './teams-api';

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
  const queryClient = useQueryClient();
  const [teamName, setTeamName] = useState('');
  const convert = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/accounts/{accountId}/convert', {
          params: { path: { accountId: account.id } },
          body: { teamName },
        }),
      ),
    onSuccess: async (team) => {
      queryClient.setQueryData(['account', team.id], team);
      await refreshTeam(queryClient, team.id);
      notifications.show({ color: 'green', message: `${team.name} is now a team account` });
      setTeamName('');
      convert.reset();
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    convert.mutate();
  };
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
            value={teamName}
            onChange={(e) => setTeamName(e.currentTarget.value)}
            error={errorFor(convert.error, 'teamName')}
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
            <Button type="submit" loading={convert.isPending} disabled={!teamName.trim()}>
              Convert
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
