import { Stack, Text, Title } from '@mantine/core';
import { useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { NotAllowed } from '../components/NotAllowed';
import { AddFundsCard } from './AddFundsCard';
import { BillingProfileCard } from './BillingProfileCard';
import { BillingSummary } from './BillingSummary';
import { useBilling } from './billing-api';
import { StatementsCard } from './StatementsCard';
import { TransactionsCard } from './TransactionsCard';
import { UsageCard } from './UsageCard';

/** The Billing page: balance, spend, limits, profile, ledger, usage and statements. */
export function BillingPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const canView = policy.can('billing.view');
  const billing = useBilling(account.id, canView);
  if (!canView) {
    return (
      <NotAllowed title="Billing">Your role in this account does not include billing.</NotAllowed>
    );
  }
  if (!billing.data) {
    return (
      <Stack>
        <Title order={1} size="h2">
          Billing
        </Title>
        <Text c="dimmed">Loading billing…</Text>
      </Stack>
    );
  }
  const { currency } = billing.data;
  return (
    <Stack>
      <Title order={1} size="h2">
        Billing
      </Title>
      <BillingSummary billing={billing.data} />
      <AddFundsCard account={account} canManage={policy.can('billing.manage')} />
      <BillingProfileCard
        key={billing.data.updatedAt}
        billing={billing.data}
        canManage={policy.can('billing.manage')}
      />
      <UsageCard accountId={account.id} currency={currency} />
      <TransactionsCard accountId={account.id} currency={currency} />
      <StatementsCard accountId={account.id} currency={currency} />
    </Stack>
  );
}
