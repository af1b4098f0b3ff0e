import { Button, Card, Group, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import type { User } from '../api/client';
import { useMe } from '../api/hooks';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useUpdateProfile } from './account-api';
import { ChangeEmailDialog } from './ChangeEmailDialog';

/** The signed-in user's name (editable) and email. */
export function ProfileCard() {
  const me = useMe();
  const user = me.data?.user;
  if (!user) return null;
  // Keyed by the saved name: after a save the form starts again from what the API answered.
  return <ProfileForm key={`${user.id}:${user.name}`} user={user} />;
}

function ProfileForm({ user }: { user: User }) {
  const [changingEmail, setChangingEmail] = useState(false);
  const save = useUpdateProfile();
  const form = useForm({ initialValues: { name: user.name } });
  const submit = form.onSubmit(({ name }) => save.mutate(name));
  const name = form.values.name;
  return (
    <Card withBorder data-testid="profile-card">
      <Title order={2} size="h4" mb="sm">
        Profile
      </Title>
      <form onSubmit={submit}>
        <Stack gap="sm" maw={420}>
          <TextInput
            label="Name"
            required
            maxLength={100}
            autoComplete="name"
            {...apiFieldProps(form, save.error, 'name')}
          />
          <TextInput
            label="Email"
            value={user.email}
            readOnly
            variant="filled"
            description="The email you sign in with"
            rightSectionWidth={80}
            rightSection={
              <Button variant="subtle" size="compact-sm" onClick={() => setChangingEmail(true)}>
                Change
              </Button>
            }
          />
          <FormError error={save.error} />
          <Group>
            <Button
              type="submit"
              variant="light"
              loading={save.isPending}
              disabled={!name.trim() || name.trim() === user.name}
            >
              Save
            </Button>
          </Group>
        </Stack>
      </form>
      <ChangeEmailDialog opened={changingEmail} onClose={() => setChangingEmail(false)} />
    </Card>
  );
}
