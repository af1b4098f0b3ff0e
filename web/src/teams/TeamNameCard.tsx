import { Button, Card, Group, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { Account } from '../api/client';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useRenameTeam } from './teams-api';

/** The team's name; editable with settings.manage. */
export function TeamNameCard({ account }: { account: Account }) {
  const rename = useRenameTeam(account.id);
  const form = useForm({
    initialValues: { name: account.name },
    validate: { name: (value) => (value.trim() ? null : 'Enter the team’s name') },
  });
  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit(({ name }) => rename.mutate(name))}>
        <Group align="flex-end">
          <TextInput
            label="Team name"
            required
            maxLength={100}
            {...apiFieldProps(form, rename.error, 'name')}
            style={{ flex: 1, maxWidth: 420 }}
          />
          <Button
            type="submit"
            variant="light"
            loading={rename.isPending}
            disabled={!form.values.name.trim() || form.values.name === account.name}
          >
            Save
          </Button>
        </Group>
        <FormError error={rename.error} />
      </form>
    </Card>
  );
}
