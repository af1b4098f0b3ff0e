import { Alert, Anchor } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { formatMoney } from '../format/money';
import { useBilling } from './billing-api';

/** Across every page of the account, for those who may see billing: the balance is low. */
export function LowBalanceBanner({ account }: { account: Account }) {
  const accountId = account.id;
  const billing = useBilling(accountId, usePolicy(account).can('billing.view'));
  if (!billing.data?.lowBalance) return null;
  const { balance, currency, lowBalanceThreshold } = billing.data;
  return (
    <Alert
      color={balance.startsWith('-') || /^0\.0+$/.test(balance) ? 'red' : 'yellow'}
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      mb="md"
      data-testid="low-balance-banner"
      title="Low balance"
    >
      The balance is {formatMoney(balance, currency)} (alert at{' '}
      {formatMoney(lowBalanceThreshold, currency)}). Running Pods stop when it reaches zero.{' '}
      <Anchor component={Link} to={`/accounts/${accountId}/billing`}>
        Go to Billing
      </Anchor>
    </Alert>
  );
}
