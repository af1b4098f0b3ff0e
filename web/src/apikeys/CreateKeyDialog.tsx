import '@mantine/dates/styles.css';
import { Button, Group, Modal, Stack, Switch, TextInput } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { useForm } from '@mantine/form';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { type CreatedApiKey, useCreateApiKey } from './apikeys-api';

/** `YYYY-MM-DD` plus `days`, in local time. */
function dayAhead(days: number): string {
  const date = new Date();
  date.setDate(date.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The end of a `YYYY-MM-DD` day in the browser's time zone, as ISO-8601 UTC. */
function endOfDay(day: string): string {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59, 999).toISOString();
}

/** Create an API key: a name, read-only or not, and an optional last day. */
export function CreateKeyDialog({
  accountId,
  opened,
  onClose,
  onCreated,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
  onCreated: (key: CreatedApiKey) => void;
}) {
  const create = useCreateApiKey(accountId);
  const form = useForm({
    initialValues: { name: '', readOnly: false, expiresAt: null as string | null },
    onValuesChange: () => create.isError && create.reset(),
  });
  const close = () => {
    create.reset();
    onClose();
  };
  const submit = form.onSubmit(({ name, readOnly, expiresAt }) =>
    create.mutate(
      { name, readOnly, expiresAt: expiresAt ? endOfDay(expiresAt) : null },
      {
        onSuccess: (key) => {
          form.reset();
          create.reset();
          onCreated(key);
        },
      },
    ),
  );
  const field = (name: 'name' | 'expiresAt') => apiFieldProps(form, create.error, name);
  return (
    <Modal opened={opened} onClose={close} title="Create an API key">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            description="What the key is for, e.g. the machine or script that uses it"
            placeholder="training-cluster"
            required
            maxLength={100}
            data-autofocus
            {...field('name')}
          />
          <Switch
            label="Read-only"
            description="The key may look but not change anything"
            {...apiFieldProps(form, create.error, 'readOnly', { type: 'checkbox' })}
          />
          <DatePickerInput
            label="Expires"
            description="Optional; the key stops working at the end of this day"
            placeholder="Never"
            clearable
            previousLabel="Previous month"
            nextLabel="Next month"
            minDate={dayAhead(1)}
            maxDate={dayAhead(365)}
            {...field('expiresAt')}
          />
          <FormError error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
