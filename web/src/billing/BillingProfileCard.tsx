import {
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { formatMoney, moneyInputValue } from '../format/money';
import { type Billing, type BillingUpdate, useUpdateBilling } from './billing-api';

type ProfileForm = {
  billingEmail: string;
  companyName: string;
  address: string;
  countryCode: string;
  taxId: string;
  spendLimit: string;
  lowBalanceThreshold: string;
};

function formOf(billing: Billing): ProfileForm {
  const p = billing.profile;
  return {
    billingEmail: p.billingEmail ?? '',
    companyName: p.companyName ?? '',
    address: p.address ?? '',
    countryCode: p.countryCode ?? '',
    taxId: p.taxId ?? '',
    spendLimit: moneyInputValue(billing.spendLimit),
    lowBalanceThreshold: moneyInputValue(billing.lowBalanceThreshold),
  };
}

const PROFILE_FIELDS = ['billingEmail', 'companyName', 'address', 'countryCode', 'taxId'] as const;

/** What changed from `initial`: only those fields are sent (emptied text becomes `null`). */
function changesOf(initial: ProfileForm, values: ProfileForm): BillingUpdate {
  const body: Record<string, string | null> = {};
  for (const field of PROFILE_FIELDS) {
    if (values[field] !== initial[field]) body[field] = values[field].trim() || null;
  }
  if (values.spendLimit !== initial.spendLimit) body.spendLimit = values.spendLimit;
  if (values.lowBalanceThreshold !== initial.lowBalanceThreshold) {
    body.lowBalanceThreshold = values.lowBalanceThreshold;
  }
  return body as BillingUpdate;
}

/** Billing details and limits: editable with billing.manage, read-only otherwise. */
export function BillingProfileCard({
  billing,
  canManage,
}: {
  billing: Billing;
  canManage: boolean;
}) {
  const save = useUpdateBilling(billing.accountId);
  const form = useForm<ProfileForm>({ initialValues: formOf(billing) });
  const field = (name: keyof ProfileForm) => ({
    ...apiFieldProps(form, save.error, name),
    disabled: !canManage,
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        Billing details and limits
      </Title>
      <form
        onSubmit={form.onSubmit((values) =>
          save.mutate(changesOf(form.getInitialValues(), values), {
            onSuccess: (updated) => {
              form.setInitialValues(formOf(updated));
              form.setValues(formOf(updated));
            },
          }),
        )}
      >
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Billing email" type="email" {...field('billingEmail')} />
            <TextInput label="Company" {...field('companyName')} />
            <TextInput
              label="Country code"
              description="ISO 3166-1, e.g. DE, US"
              maxLength={2}
              {...field('countryCode')}
            />
            <TextInput label="Tax ID" description="VAT or tax number" {...field('taxId')} />
          </SimpleGrid>
          <Textarea label="Address" autosize minRows={2} {...field('address')} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={`Spend limit per hour (${billing.currency})`}
              description={`At most ${formatMoney(billing.maxSpendLimit, billing.currency)}/h`}
              {...field('spendLimit')}
            />
            <TextInput
              label={`Low-balance alert at (${billing.currency})`}
              {...field('lowBalanceThreshold')}
            />
          </SimpleGrid>
          <FormError error={save.error} />
          {canManage ? (
            <Group>
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              Your role may view billing but not change it.
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}
