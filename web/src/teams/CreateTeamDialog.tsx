import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useNavigate } from 'react-router-dom';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useCreateTeam } from './teams-api';

/** Create team: a new, empty team account owned by me; my personal account stays as it is. */
export function CreateTeamDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const create = useCreateTeam();
  const form = useForm({
    initialValues: { name: '' },
    validate: { name: (value) => (value.trim() ? null : 'Enter the team’s name') },
  });
  const close = () => {
    form.reset();
    create.reset();
    onClose();
  };
  const submit = form.onSubmit(({ name }) =>
    create.mutate(name, {
      onSuccess: (team) => {
        close();
        navigate(`/accounts/${team.id}/team`);
      },
    }),
  );
  return (
    <Modal opened={opened} onClose={close} title="Create team">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">
            A new team account, owned by you, with its own Pods, balance, members and audit log.
            Your personal account and your other teams stay as they are. (To turn your personal
            account itself into a team, use Convert to Team Account on its dashboard.)
          </Text>
          <TextInput
            label="Team name"
            placeholder="Acme ML"
            required
            maxLength={64}
            data-autofocus
            {...apiFieldProps(form, create.error, 'name')}
          />
          <FormError error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create team
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
