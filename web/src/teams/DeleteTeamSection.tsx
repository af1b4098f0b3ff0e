import { Button, Card, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useNavigate } from 'react-router-dom';
import type { Account } from '../api/client';
import { FormError } from '../components/errors';
import { useDeleteTeam } from './teams-api';

/** Delete Team, owner only, confirmed by typing the team's name. */
export function DeleteTeamSection({ account }: { account: Account }) {
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const remove = useDeleteTeam(account.id);
  const form = useForm({ initialValues: { typed: '' } });
  const matches = form.values.typed === account.name;
  const dismiss = () => {
    form.reset();
    remove.reset();
    close();
  };
  return (
    <Card withBorder style={{ borderColor: 'var(--mantine-color-red-outline)' }}>
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Title order={2} size="h4" c="red">
            Delete Team
          </Title>
          <Text size="sm" c="dimmed">
            Every other member loses access at once and pending invites are revoked. The account
            becomes your personal account again; its Pods, balance and history stay.
          </Text>
        </div>
        <Button color="red" variant="outline" onClick={open} style={{ flexShrink: 0 }}>
          Delete Team
        </Button>
      </Group>
      <Modal opened={opened} onClose={dismiss} title="Delete Team">
        <form
          onSubmit={form.onSubmit(async () => {
            if (!matches) return;
            // Awaited, not a mutate callback: the page turns personal (and this part goes)
            // before a callback of the unmounted part would run.
            const personal = await remove.mutateAsync().catch(() => null);
            if (personal) navigate(`/accounts/${personal.id}`);
          })}
        >
          <Stack>
            <Text size="sm">
              This removes every member of <b>{account.name}</b> except you and revokes its pending
              invites. The account becomes your personal account again, named after you; its Pods,
              balance and history stay. It cannot be undone.
            </Text>
            <TextInput
              label={
                <>
                  Type <b>{account.name}</b> to confirm
                </>
              }
              autoComplete="off"
              data-autofocus
              {...form.getInputProps('typed')}
            />
            <FormError error={remove.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={dismiss}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={remove.isPending} disabled={!matches}>
                Delete this team
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Card>
  );
}
