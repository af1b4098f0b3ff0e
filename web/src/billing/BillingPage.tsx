import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useOutletContext } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type Account, api, call } from '../api/client';
import { usePolicy } from '../api/hooks';
import { errorFor, FormError } from '../components/errors';
import { formatDateTime } from '../format/dates';
import { formatMoney, formatRate, moneyInputValue } from '../format/money';
import { type Billing, describeRunway, type TransactionKind, useBilling } from './hooks';

function Summary({ billing }: { billing: Billing }) {
  const { currency } = billing;
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }}>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Balance
        </Text>
        <Group gap="xs">
          <Text fw={700} size="xl" data-testid="billing-balance">
            {formatMoney(billing.balance, currency)}
          </Text>
          {billing.lowBalance && (
            <Badge color="yellow" variant="light">
              Low
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {describeRunway(billing.runwaySeconds)}
        </Text>
      </Card>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Current spend
        </Text>
        <Text fw={700} size="xl" data-testid="billing-spend">
          {formatRate(billing.currentSpendPerHour, currency)}/h
        </Text>
        <Text size="xs" c="dimmed">
          Running Pods, billed per second
        </Text>
      </Card>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Spend limit
        </Text>
        <Text fw={700} size="xl">
          {formatMoney(billing.spendLimit, currency)}/h
        </Text>
        <Text size="xs" c="dimmed">
          Pods that would go over it do not start
        </Text>
      </Card>
    </SimpleGrid>
  );
}

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

function ProfileCard({ billing, canManage }: { billing: Billing; canManage: boolean }) {
  const queryClient = useQueryClient();
  const initial = formOf(billing);
  const [form, setForm] = useState<ProfileForm>(initial);
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, string | null> = {};
      for (const field of PROFILE_FIELDS) {
        if (form[field] !== initial[field]) body[field] = form[field].trim() || null;
      }
      if (form.spendLimit !== initial.spendLimit) body.spendLimit = form.spendLimit;
      if (form.lowBalanceThreshold !== initial.lowBalanceThreshold) {
        body.lowBalanceThreshold = form.lowBalanceThreshold;
      }
      return call(
        api.PATCH('/api/v1/accounts/{accountId}/billing', {
          params: { path: { accountId: billing.accountId } },
          body,
        }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(['billing', billing.accountId], updated);
      setForm(formOf(updated));
      notifications.show({ message: 'Billing details saved', color: 'green' });
    },
  });
  const field = (name: keyof ProfileForm) => ({
    value: form[name],
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      setForm({ ...form, [name]: event.currentTarget.value }),
    error: errorFor(save.error, name),
    disabled: !canManage,
  });
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Billing details and limits
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
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

const KINDS: TransactionKind[] = ['credit', 'usage', 'refund', 'adjustment'];
const PAGE_SIZE = 10;

function TransactionsCard({ accountId, currency }: { accountId: string; currency: string }) {
  const [kind, setKind] = useState<TransactionKind | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useQuery({
    queryKey: ['billing-transactions', accountId, kind, cursor],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/transactions', {
          params: {
            path: { accountId },
            query: { limit: PAGE_SIZE, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
  });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Transactions</Title>
        <Select
          placeholder="All kinds"
          clearable
          w={180}
          data={KINDS}
          value={kind}
          onChange={(value) => {
            setKind(value as TransactionKind | null);
            setCursors([]);
          }}
          aria-label="Filter by kind"
        />
      </Group>
      <Table data-testid="billing-transactions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th visibleFrom="md">Description</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
            <Table.Th ta="right" visibleFrom="md">
              Balance
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {page.data?.items.map((t) => {
            const description =
              t.kind === 'usage' && t.periodStart && t.periodEnd
                ? `Pod ${t.podId?.slice(-6)} · ${Math.round((t.durationMs ?? 0) / 1000)} s`
                : (t.note ?? t.provider ?? '');
            return (
              <Table.Tr key={t.id}>
                <Table.Td>
                  {formatDateTime(t.time)}
                  {/* On a phone the description goes under the time; the balance is left out. */}
                  <Text size="xs" c="dimmed" lineClamp={2} hiddenFrom="md">
                    {description}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={t.kind === 'usage' ? 'gray' : t.kind === 'credit' ? 'green' : 'blue'}
                    // Whole on a phone too: a narrow column does not cut it to "CRE…".
                    miw="fit-content"
                    styles={{ label: { overflow: 'visible' } }}
                  >
                    {t.kind}
                  </Badge>
                </Table.Td>
                <Table.Td visibleFrom="md">
                  <Text size="sm" lineClamp={1} maw={360}>
                    {description}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" c={t.amount.startsWith('-') ? undefined : 'green'}>
                  {formatMoney(t.amount, currency)}
                </Table.Td>
                <Table.Td ta="right" visibleFrom="md">
                  {formatMoney(t.balanceAfter, currency)}
                </Table.Td>
              </Table.Tr>
            );
          })}
          {page.data?.items.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="dimmed" size="sm">
                  No transactions
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      <Group justify="flex-end" mt="sm">
        <Button
          variant="default"
          size="xs"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Older
        </Button>
      </Group>
    </Card>
  );
}

function UsageCard({ accountId, currency }: { accountId: string; currency: string }) {
  const usage = useQuery({
    queryKey: ['billing-usage', accountId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/usage', {
          params: { path: { accountId } },
        }),
      ),
  });
  // Chart heights only: money stays a decimal string everywhere else.
  const data = (usage.data?.byDay ?? []).map((d) => ({
    day: d.day.slice(5),
    usage: Number(d.amount),
    amount: d.amount,
  }));
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Usage, last 30 days</Title>
        <Text fw={600}>{usage.data ? formatMoney(usage.data.total, currency) : ''}</Text>
      </Group>
      {/* recharts directly: the locked @mantine/charts (9.7.3) brings its own @mantine/core. */}
      <div style={{ width: '100%', height: 220 }} data-testid="usage-chart">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" fontSize={12} tickLine={false} />
            <YAxis fontSize={12} tickLine={false} axisLine={false} width={48} />
            <Tooltip
              formatter={(value, _name, item) => [
                formatMoney(String(item.payload?.amount ?? value), currency),
                'Usage',
              ]}
            />
            <Bar dataKey="usage" fill="var(--mantine-color-indigo-6)" radius={[3, 3, 0, 0]} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {(usage.data?.byPod.length ?? 0) > 0 && (
        <Table mt="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Pod</Table.Th>
              <Table.Th ta="right">Running time</Table.Th>
              <Table.Th ta="right">Cost</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {usage.data?.byPod.map((p) => (
              <Table.Tr key={p.podId ?? 'none'}>
                <Table.Td>{p.podName ?? p.podId}</Table.Td>
                <Table.Td ta="right">{(p.durationMs / 3_600_000).toFixed(2)} h</Table.Td>
                <Table.Td ta="right">{formatMoney(p.amount, currency)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

function StatementsCard({ accountId, currency }: { accountId: string; currency: string }) {
  const statements = useQuery({
    queryKey: ['billing-statements', accountId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/billing/statements', {
          params: { path: { accountId } },
        }),
      ),
  });
  const href = (month: string, format: 'json' | 'csv') =>
    `/api/v1/accounts/${accountId}/billing/statements/${month}?format=${format}`;
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Statements
      </Title>
      <Table data-testid="billing-statements">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Month</Table.Th>
            {/* On a phone: the month, its closing balance and the downloads. */}
            <Table.Th ta="right" visibleFrom="md">
              Opening
            </Table.Th>
            <Table.Th ta="right" visibleFrom="md">
              Credits
            </Table.Th>
            <Table.Th ta="right" visibleFrom="md">
              Usage
            </Table.Th>
            <Table.Th ta="right">Closing</Table.Th>
            <Table.Th>Download</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {statements.data?.items.map((s) => (
            <Table.Tr key={s.month}>
              <Table.Td>{s.month}</Table.Td>
              <Table.Td ta="right" visibleFrom="md">
                {formatMoney(s.openingBalance, currency)}
              </Table.Td>
              <Table.Td ta="right" visibleFrom="md">
                {formatMoney(s.credits, currency)}
              </Table.Td>
              <Table.Td ta="right" visibleFrom="md">
                {formatMoney(s.usage, currency)}
              </Table.Td>
              <Table.Td ta="right">{formatMoney(s.closingBalance, currency)}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Anchor href={href(s.month, 'csv')} download size="sm">
                    CSV
                  </Anchor>
                  <Anchor href={href(s.month, 'json')} download size="sm">
                    JSON
                  </Anchor>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

/** The Billing page: balance, spend, limits, profile, ledger, usage and statements. */
export function BillingPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const canView = policy.can('billing.view');
  const billing = useBilling(account.id, canView);
  if (!canView) {
    return (
      <Alert color="gray" title="Billing">
        Your role in this account does not include billing.
      </Alert>
    );
  }
  if (!billing.data) return <Text c="dimmed">Loading billing…</Text>;
  const { currency } = billing.data;
  return (
    <Stack>
      <Title order={2}>Billing</Title>
      <Summary billing={billing.data} />
      <ProfileCard
        key={billing.data.updatedAt}
        billing={billing.data}
        canManage={policy.can('billing.manage')}
      />
      <UsageCard accountId={account.id} currency={currency} />
      <TransactionsCard accountId={account.id} currency={currency} />
      <StatementsCard accountId={account.id} currency={currency} />
      <Text size="xs" c="dimmed">
        Credits are added by your operator or payment provider; Gantry never stores card data.
      </Text>
    </Stack>
  );
}
