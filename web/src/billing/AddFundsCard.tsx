import { Card, Code, Text, Title } from '@mantine/core';
import type { Account } from '../api/client';

/**
 * "How do I add funds?": Gantry takes no card payments itself; credits come from whoever runs
 * this Gantry (the operator) or their payment provider, so the card says whom to ask and what
 * to tell them.
 */
export function AddFundsCard({ account, canManage }: { account: Account; canManage: boolean }) {
  return (
    <Card withBorder data-testid="add-funds">
      <Title order={2} size="h4" mb={4}>
        How do I add funds?
      </Title>
      <Text size="sm">
        This Gantry adds credit to an account when its operator — whoever runs this Gantry for your
        organisation — records a payment. Gantry never asks for or stores card data.
      </Text>
      <Text size="sm" mt="xs">
        {canManage
          ? 'Ask your operator for a top-up and tell them the account ID below; the credit shows under Transactions as soon as it is added.'
          : 'Ask someone with the Billing or Admin role in this account, or your operator, to add credit.'}
      </Text>
      <Text size="sm" mt="xs">
        Account ID: <Code data-testid="add-funds-account-id">{account.id}</Code>
      </Text>
      <Text size="xs" c="dimmed" mt="xs">
        For operators: <Code>gantry billing credit {account.id} 50.00 --note "Invoice 42"</Code>
      </Text>
    </Card>
  );
}
