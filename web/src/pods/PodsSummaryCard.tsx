import { Text } from '@mantine/core';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard, SummaryFigure } from '../components/SummaryCard';
import { podsSummary, usePods } from './pods-api';

/** The dashboard's Pods card (needs pods.view). */
export function PodsSummaryCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = can('pods.view');
  const pods = usePods(account.id, false, allowed);
  if (!allowed) return null;
  const items = pods.data?.items ?? [];
  const summary = podsSummary(items);
  const more = pods.data?.nextCursor ? '+' : '';
  return (
    <SummaryCard
      title="Pods"
      to={`/accounts/${account.id}/pods`}
      linkLabel={items.length === 0 && can('pods.create') ? 'Deploy a Pod' : 'View Pods'}
      testId="dashboard-pods"
    >
      {pods.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : pods.isError ? (
        <Text c="red">The Pods could not be loaded</Text>
      ) : (
        <>
          <SummaryFigure testId="dashboard-pods-running">
            {summary.running}
            {more} running
          </SummaryFigure>
          <Text size="sm">
            {items.length === 0
              ? 'No Pods yet'
              : `${summary.gpus} GPU${summary.gpus === 1 ? '' : 's'} in use`}
          </Text>
          {summary.others && (
            <Text size="xs" c="dimmed">
              {summary.others}
            </Text>
          )}
        </>
      )}
    </SummaryCard>
  );
}
