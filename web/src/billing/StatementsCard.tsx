import { Anchor, Card, Group, Table, Title } from '@mantine/core';
import { formatMoney } from '../format/money';
import { useStatements } from './billing-api';

/** Monthly statements: opening, credits, usage, closing, and the downloads. */
export function StatementsCard({ accountId, currency }: { accountId: string; currency: string }) {
  const statements = useStatements(accountId);
  const href = (month: string, format: 'json' | 'csv') =>
    `/api/v1/accounts/${accountId}/billing/statements/${month}?format=${format}`;
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
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
                  <Anchor
                    href={href(s.month, 'csv')}
                    download
                    size="sm"
                    aria-label={`${s.month} as CSV`}
                  >
                    CSV
                  </Anchor>
                  <Anchor
                    href={href(s.month, 'json')}
                    download
                    size="sm"
                    aria-label={`${s.month} as JSON`}
                  >
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
